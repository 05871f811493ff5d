import { findTimeRequests, type TimeRequest } from './time-request';

export type ReplyIntentKind = 'extension' | 'exception' | 'fixed' | 'other';

export interface ReplyIntent {
  kind: ReplyIntentKind;
  /** 0..1: how clearly the words say it (rules only; a responder decides anyway). */
  confidence: number;
  /** The phrases that decided it, as found (lower-cased). */
  matched: string[];
  /** For an extension: the time asked for, when the reply names one. */
  extension: { requestedMs: number | null; until: string | null; phrase: string | null } | null;
  /** For an exception: the owner's description of the normal traffic (the reply without greeting). */
  exception: { description: string } | null;
}

type Intent = Exclude<ReplyIntentKind, 'other'>;

interface Rule {
  intent: Intent;
  re: RegExp;
  weight: number;
  /** A negation or a future/intent word just before it cancels it ("not fixed", "we will fix"). */
  negatable: 'negation' | 'negation+future' | false;
}

const R = (intent: Intent, weight: number, negatable: Rule['negatable'], re: RegExp): Rule => ({
  intent,
  weight,
  negatable,
  re,
});

const THING = `(?:vm|vms|virtual machine|server|servers|machine|instance|host|box|deployment|system|image|container)`;
const RULES: Rule[] = [
  // fixed: what was done, in the past tense
  R('fixed', 2, 'negation+future', /\b(fixed|resolved|remediated|solved|sorted (?:it )?out|taken care of)\b/g),
  R('fixed', 2, 'negation+future', /\b(patched|hardened)\b/g),
  R(
    'fixed',
    2,
    'negation+future',
    new RegExp(
      `\\b(re-?built|re-?deployed|re-?installed|re-?imaged|re-?created|wiped|replaced|deleted|destroyed|decommissioned) (?:the |our |a |this |that |all )?(?:old |new |affected |compromised |infected )?${THING}\\b`,
      'g',
    ),
  ),
  R(
    'fixed',
    2,
    'negation+future',
    /\b(removed|deleted|cleaned(?: up)?|eradicated|uninstalled|killed|quarantined|got rid of) (?:the |all |that |this |a )?(malware|miner|cryptominer|crypto ?miner|mining software|virus|backdoor|trojan|rootkit|botnet client|bot|malicious [a-z]+|infection)\b/g,
  ),
  R(
    'fixed',
    2,
    'negation+future',
    /\b(closed|blocked|firewalled|restricted|disabled|shut down|stopped|turned off|switched off|killed) (?:the |all |that |those |this |its )?(open )?(ports?|service|services|access|ssh|rdp|telnet|proxy|relay|process|processes|scan|scanner|scanning|attack|traffic|vm|server|instance|container|job|script|cron ?job)\b/g,
  ),
  R(
    'fixed',
    2,
    'negation+future',
    new RegExp(`\\b(took|taken|have taken|put) (?:the |our |this )?(?:${THING} )?(offline|down)\\b`, 'g'),
  ),
  R('fixed', 1, 'negation+future', /\b(changed|reset|rotated) (?:the |all |our )?(passwords?|credentials|keys)\b/g),
  R('fixed', 1, 'negation', /\b(traffic|scan|scanning|attack|activity) (has|have) (stopped|ended|ceased)\b/g),
  // extension: asking for time
  R('extension', 3, 'negation', /\b(more|extra|additional|some more|further) time\b/g),
  R('extension', 3, 'negation', /\b(an |the )?(extension|postponement)\b/g),
  R('extension', 3, 'negation', /\bextend(ing)? (the |your |our )?(deadline|time ?frame|timeline|period)\b/g),
  R('extension', 2, 'negation', /\b(postpone|delay|defer|hold off|push back|move)\b.{0,30}\b(shut ?down|deadline)\b/g),
  R('extension', 2, false, /\b(please |kindly )?(do not|don't|dont|please don't) (shut|turn|switch|take|power)\b/g),
  R(
    'extension',
    3,
    false,
    /\b(can ?not|can't|cant|won't be able to|will not be able to|unable to|not able to|not possible to|impossible to|no way to)\b.{0,50}\b(in time|by the deadline|before the deadline|within the deadline|today|that quickly|so quickly|so fast|right now|immediately|by then|before then)\b/g,
  ),
  R('extension', 2, false, /\b(grace period|a bit longer|bit more time)\b/g),
  R('extension', 1, 'negation', /\b(give|grant|allow) (us|me)\b/g),
  // exception: the traffic is expected
  R(
    'exception',
    3,
    'negation',
    /\b(traffic|activity|behaviou?r|connections?|scans?|scanning|flows?|pattern|load|requests?|packets|it|this|that)\b(?: [a-z']+){0,6}? (is|are|was|were|looks|seems) (completely |perfectly |totally |entirely |absolutely |quite )?(expected|normal|legitimate|legit|intended|intentional|by design|authori[sz]ed|benign|harmless|planned|sanctioned|on purpose)\b(?! to\b)/g,
  ),
  R(
    'exception',
    3,
    'negation',
    /\b(it'?s|this'?s|that'?s) (completely |perfectly |totally |entirely )?(expected|normal|legitimate|legit|intended|intentional|by design|authori[sz]ed|benign|harmless|planned|on purpose)\b(?! to\b)/g,
  ),
  R(
    'exception',
    2,
    'negation',
    /\b(expected|normal|legitimate|legit|intended|authori[sz]ed|benign) (traffic|activity|behaviou?r|use|usage|operation|business)\b/g,
  ),
  R('exception', 3, 'negation', /\bfalse (positive|alarm|alert)\b/g),
  R(
    'exception',
    2,
    false,
    /\b(is|are|was|were|it's|this's|that's) (not|n't) (an? )?(attack|malicious|compromised|hacked|infected|abuse|abusive|spam)\b/g,
  ),
  R(
    'exception',
    2,
    'negation',
    /\b(pen(?:etration)?[ -]?test(?:ing|s)?|pentest(?:ing|s)?|security (?:scan|scanner|scanning|audit|assessment)|vulnerability (?:scan|scanner|scanning|assessment)|load[ -]?test(?:ing)?|stress[ -]?test(?:ing)?|performance test(?:ing)?|red team(?:ing)?)\b/g,
  ),
  R(
    'exception',
    1,
    'negation',
    /\b(our own|we run an?|we operate an?|it is an?|this is an?|it's an?|the vm is an?|is our)\b(?: [a-z-]+){0,3} (scanner|crawler|monitoring|monitor|health ?checks?|backup|cdn|vpn|dns (?:server|resolver)|ntp server|mail server|smtp relay|game server|tor relay|honeypot|load balancer|research)\b/g,
  ),
  R(
    'exception',
    3,
    'negation',
    /\b(add|create|grant|set up|configure|request|requesting|need|want|like)\b(?: [a-z]+){0,2} (an? )?(exception|exemption|whitelist(?:ing)?|allow ?list(?:ing)?)\b/g,
  ),
  R('exception', 2, 'negation', /\b(whitelist|allowlist|exempt|exception)\b/g),
  R(
    'exception',
    2,
    'negation',
    /\b(this|that|it) is (how|what) (our|the|my|this) (service|application|app|software|product|system|server|vm)\b/g,
  ),
  R('exception', 2, 'negation', /\b(we|i) (do|did) (this|it) on purpose\b/g),
];

const NEGATION =
  /\b(not|no|never|cannot|can ?not|can't|cant|couldn't|won't|wont|didn't|haven't|hasn't|hadn't|isn't|aren't|wasn't|weren't|don't|doesn't|unable to|yet to|failed to|nothing|neither|nor|without)\b/;
const FUTURE =
  /\b(will|'ll|going to|gonna|plan(?:ning)? to|try(?:ing)? to|want to|wants to|need(?:s)? to|working on|in the process of|about to|hope to|would like to|intend to|have to|has to|must|attempt(?:ing)? to|shall|asap|soon|once|when|if|after|before|until|till|to be)\b/;
/** Words that, near a time, make it a request for time rather than a mention. */
const TIME_CONTEXT =
  /\b(give|grant|allow|need|needs|require|request|ask|extend|extension|more|another|additional|extra|until|till|til|by|could|can|please|would|shutdown|shut down|deadline|postpone|delay|fix|migrate|rebuild|move)\b/;

const GREETING =
  /^(hi|hello|hey|dear|good (morning|afternoon|evening)|greetings|hallo|guten tag|bonjour|hola|ciao)\b[^\n]{0,60}$/i;

const GREETING_PREFIX =
  /^\s*(hi|hello|hey|dear|good (morning|afternoon|evening)|greetings|hallo|bonjour|hola|ciao)\b[^,.!\n]{0,40}[,!]\s*/i;

interface Hit {
  intent: Intent;
  weight: number;
  phrase: string;
}

/**
 * Classifies the owner's words (already stripped of quotes and signature) as a request for more
 * time, a request for an exception ("this traffic is normal", with its description), a report
 * that it is fixed, or something else. Rule-based and deterministic: each clause is read for
 * weighted phrases; a negation just before a phrase cancels it ("this is not normal"), and for
 * "fixed" so does a future or intention ("we will patch", "we need to rebuild"); "we cannot fix it
 * in time" is itself a request for time. Questions ask, they do not report: they count for
 * extensions only ("Could we get 2 more days?"). The largest total wins; `at` (the message's
 * date) anchors relative times.
 */
export function classifyReplyIntent(text: string, at: Date): ReplyIntent {
  const norm = text
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d]/g, '"');
  const hits: Hit[] = [];
  const times = findTimeRequests(norm, at);
  const timesInContext: TimeRequest[] = [];

  for (const sentence of sentences(norm)) {
    const question = /\?\s*$/.test(sentence.text);
    for (const clause of clauses(sentence.text)) {
      for (const rule of RULES) {
        if (question && rule.intent !== 'extension') continue;
        for (const m of clause.matchAll(rule.re)) {
          if (rule.negatable && isNegated(clause.slice(0, m.index), m[0], rule.negatable)) continue;
          hits.push({ intent: rule.intent, weight: rule.weight, phrase: m[0].trim() });
        }
      }
    }
    // A time in a sentence that asks for something is an extension request ("48 more hours please").
    for (const t of times) {
      if (t.index < sentence.start || t.index >= sentence.start + sentence.text.length) continue;
      if (TIME_CONTEXT.test(sentence.text) || t.kind === 'moment') {
        timesInContext.push(t);
        hits.push({ intent: 'extension', weight: 2, phrase: t.phrase });
      }
    }
  }

  const score: Record<Intent, number> = { extension: 0, exception: 0, fixed: 0 };
  for (const h of hits) score[h.intent] += h.weight;
  const total = score.extension + score.exception + score.fixed;
  if (total === 0) return { kind: 'other', confidence: 0, matched: [], extension: null, exception: null };

  // Ties go to the answer that keeps the most options open for the owner: time, then exception.
  const order: Intent[] = ['extension', 'exception', 'fixed'];
  const kind = order.reduce((best, i) => (score[i] > score[best] ? i : best), order[0]);
  const confidence = Math.round((score[kind] / total) * (1 - Math.exp(-score[kind] / 2)) * 100) / 100;
  const matched = [...new Set(hits.filter((h) => h.intent === kind).map((h) => h.phrase))];

  if (kind === 'extension') {
    const t = timesInContext[0] ?? times[0] ?? null;
    return {
      kind,
      confidence,
      matched,
      extension: { requestedMs: t?.ms ?? null, until: t?.until ?? null, phrase: t?.phrase ?? null },
      exception: null,
    };
  }
  if (kind === 'exception') {
    return { kind, confidence, matched, extension: null, exception: { description: describe(text) } };
  }
  return { kind, confidence, matched, extension: null, exception: null };
}

/** The reply without its greeting line: what the owner says about the traffic. */
function describe(text: string): string {
  const lines = text.trim().split('\n');
  while (lines.length && (GREETING.test(lines[0].trim()) || !lines[0].trim())) lines.shift();
  // "Hello team, the traffic is ..." on one line: only the greeting goes.
  if (lines.length) lines[0] = lines[0].replace(GREETING_PREFIX, '');
  return lines.join('\n').trim();
}

/**
 * Sentences end at . ! ? followed by a space or the end, and at line breaks, so "1.5 days" and
 * "2026-12-01" stay whole.
 */
function sentences(text: string): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    const end = i === text.length || c === '\n' || ('.!?'.includes(c) && /\s/.test(text[i + 1] ?? ' '));
    if (!end) continue;
    const s = text.slice(start, i + 1);
    if (s.trim()) out.push({ text: s, start });
    start = i + 1;
  }
  return out;
}

/** Negation reaches across a clause, not past a comma or a "but". */
function clauses(sentence: string): string[] {
  return sentence.split(/[,;:]|\s(?:but|however|although|though|whereas|and then)\s/);
}

function isNegated(before: string, phrase: string, mode: 'negation' | 'negation+future'): boolean {
  const window = before.split(/\s+/).slice(-5).join(' ');
  if (NEGATION.test(window) || /\bnot\b|n't\b/.test(phrase)) return true;
  return mode === 'negation+future' && FUTURE.test(window);
}
