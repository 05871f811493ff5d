/** The owner's own words of a reply, without quoted history and signature. */
export interface ReplyText {
  text: string;
  /** Quoted history was found and removed. */
  quoted: boolean;
  /** A signature or sign-off was found and removed. */
  signature: boolean;
}

const WROTE =
  /^(on|am|le|el|op|il|em|den|dne|w dniu)\b.{0,300}\b(wrote|schrieb|a écrit|a ecrit|escribió|escribio|schreef|ha scritto|escreveu|skrev|napisał\(a\)|napisał|napisal|написал)\s*:?\s*$/i;
/** German and Dutch put the verb before the name: "Am ... schrieb Name <addr>:". */
const WROTE_BEFORE_NAME = /^(am|op|den)\b.{0,300}\b(schrieb|schreef|skrev)\b.{0,200}:\s*$/i;
const SEPARATOR =
  /^-{2,}\s*(original message|ursprüngliche nachricht|urspr[üu]ngliche nachricht|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht|mensagem original|forwarded message|weitergeleitete nachricht)\s*-{2,}\s*$/i;
const FORWARD =
  /^(begin forwarded message|anfang der weitergeleiteten nachricht|d[ée]but du message r[ée]exp[ée]di[ée])\s*:?\s*$/i;
const HEADER_FROM = /^\*?(from|von|de|da|van|od|från|fra)\s*:\*?\s*\S/i;
const HEADER_SENT =
  /^\*?(sent|date|gesendet|datum|envoy[ée]|enviado|fecha|inviato|data|verzonden|skickat|sendt|wysłano|to|an|à|para|a|aan|subject|betreff|objet|asunto|oggetto|onderwerp)\s*:/i;
const MOBILE =
  /^(sent from my|sent from (mail|outlook|yahoo mail)|sent via|get outlook for|von meinem .{1,40} gesendet|gesendet von|envoy[ée] de mon|enviado desde mi|enviado do meu|inviato da(l mio)?|verzonden vanaf mijn)\b/i;
const SIGN_OFF =
  /^(best|best wishes|all the best|kind regards|best regards|warm regards|regards|many thanks|thanks( a lot| again| in advance)?|thank you( very much)?|cheers|br|rgds|sincerely|yours( sincerely| truly| faithfully)?|greetings|mit freundlichen gr(ü|ue)(ß|ss)en|freundliche gr(ü|ue)(ß|ss)e|viele gr(ü|ue)(ß|ss)e|beste gr(ü|ue)(ß|ss)e|lg|mfg|cordialement|bien (à vous|cordialement)|saludos( cordiales)?|un saludo|atentamente|met vriendelijke groet(en)?|distinti saluti|cordiali saluti|pozdrawiam)\s*[,.!]*$/i;

const isQuoteLine = (l: string) => /^\s*>/.test(l);

/**
 * Strips quoted history and signatures from a plain-text reply. Quoted history starts at the
 * first quote header (Gmail/Apple "On ... wrote:", also wrapped over two lines and in a few other
 * languages; Outlook's "-----Original Message-----", its "From: ... Sent: ..." block and the
 * underscore rule before it; forwards) and includes every line starting with '>' (inline answers
 * between quoted lines are kept). A signature starts at "-- ", at a phone's "Sent from my ...",
 * or at a sign-off line ("Best regards,") followed only by a few short lines (name, title, phone).
 * A reply written below the quote (bottom-posting) keeps its text.
 */
export function extractReplyText(input: string): ReplyText {
  const lines = input.replace(/\r\n?/g, '\n').split('\n');
  let quoted = false;
  let signature = false;

  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    const next = (lines[i + 1] ?? '').trim();
    const isHeader =
      WROTE.test(l) ||
      WROTE_BEFORE_NAME.test(l) ||
      (l.length < 200 && /^(on|am|le|el|op|il|em|den|w dniu)\b/i.test(l) && WROTE.test(`${l} ${next}`)) ||
      SEPARATOR.test(l) ||
      FORWARD.test(l) ||
      (/^_{10,}$/.test(l) && HEADER_FROM.test(next)) ||
      (HEADER_FROM.test(l) && lines.slice(i + 1, i + 5).some((x) => HEADER_SENT.test(x.trim())));
    if (!isHeader) continue;
    const before = lines.slice(0, i).filter((x) => x.trim() && !isQuoteLine(x));
    if (before.length) {
      end = i;
      quoted = true;
      break;
    }
    // Nothing written above the quote header: the answer is below the quote (bottom-posting).
    lines[i] = '>';
  }

  let body = lines.slice(0, end);
  if (body.some(isQuoteLine)) quoted = true;
  body = body.filter((l) => !isQuoteLine(l));

  // Signatures: "-- " (RFC 3676; also a bare "--"), a phone's line, or a sign-off.
  const sigAt = body.findIndex((l, i) => {
    const t = l.trim();
    if (l === '-- ' || t === '--' || MOBILE.test(t)) return true;
    if (!SIGN_OFF.test(t)) return false;
    const hasContentBefore = body.slice(0, i).some((x) => x.trim());
    const after = body.slice(i + 1).filter((x) => x.trim());
    return hasContentBefore && after.length <= 6 && after.every((x) => x.trim().length <= 80);
  });
  if (sigAt >= 0) {
    body = body.slice(0, sigAt);
    signature = true;
  }

  const text = body
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { text, quoted, signature };
}
