/**
 * Subject lines: the case tag first (replies keep it, and the inbound matcher reads it), then the
 * text. Every value that reaches a header passes through here: control characters (CR/LF above
 * all, which would start a new header) become spaces, and the line is capped so one long VM name
 * cannot make a subject nobody reads.
 */
const MAX_SUBJECT = 200;

export function caseTag(caseNumber: number): string {
  return `[SG-${caseNumber}]`;
}

/** One header-safe line: no control characters, single spaces, bounded. */
export function headerSafe(v: string, max = MAX_SUBJECT): string {
  const flat = v
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
}

export function subjectLine(caseNumber: number, text: string): string {
  return headerSafe(`${caseTag(caseNumber)} ${text}`);
}
