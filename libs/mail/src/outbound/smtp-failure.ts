/** What an SMTP error means for the mail: try again later, or never. */
export interface SmtpFailure {
  permanent: boolean;
  message: string;
  /** Recipients the server refused for good. */
  rejected: string[];
}

interface NodemailerError {
  message?: string;
  code?: string;
  command?: string;
  responseCode?: number;
  response?: string;
  rejected?: string[];
  rejectedErrors?: { recipient?: string; responseCode?: number }[];
}

const permanentCode = (c: number | undefined) => !!c && c >= 500 && c < 600 && c !== 503;

/**
 * Permanent only when retrying the same message cannot help: every recipient refused with a 5xx,
 * or the message itself refused with a 5xx after DATA. Anything else — the server down, a time-out,
 * 4xx, and also a refused sender or failed login (our configuration, which an operator fixes) —
 * is transient: the mail waits, it is not dropped.
 */
export function classifySmtpFailure(err: unknown): SmtpFailure {
  const e = (err ?? {}) as NodemailerError;
  const message = (e.response || e.message || String(err)).slice(0, 1000);
  if (e.code === 'EENVELOPE' && e.command === 'RCPT TO' && e.rejectedErrors?.length) {
    const all = e.rejectedErrors.every((r) => permanentCode(r.responseCode));
    return { permanent: all, message, rejected: all ? (e.rejected ?? []).map((a) => a.toLowerCase()) : [] };
  }
  if (e.code === 'EMESSAGE' && permanentCode(e.responseCode)) return { permanent: true, message, rejected: [] };
  return { permanent: false, message, rejected: [] };
}
