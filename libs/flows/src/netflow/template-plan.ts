import { FieldKind, fieldKindOf, VARIABLE_LENGTH } from './field-kind';
import { readU16 } from './read-unsigned';

/** Templates with more fields than this are refused: no exporter needs them, and they cost memory. */
export const MAX_TEMPLATE_FIELDS = 256;
/** A record must fit in one message after the IPFIX/v9 header and set header. */
const MAX_RECORD_LENGTH = 65535 - 24;

/** What options records are read for: sampling and the IPFIX uptime base. */
const OPTION_KINDS = new Set<number>([
  FieldKind.SAMPLING_INTERVAL,
  FieldKind.SAMPLER_ID,
  FieldKind.PACKET_INTERVAL,
  FieldKind.PACKET_SPACE,
  FieldKind.SAMPLING_SIZE,
  FieldKind.SAMPLING_POPULATION,
  FieldKind.SYSTEM_INIT_MS,
]);
/** Of those, what a flow record may carry for itself. */
const PER_RECORD_SAMPLING = new Set<number>([FieldKind.SAMPLING_INTERVAL, FieldKind.SAMPLER_ID]);

/**
 * A template compiled once, when it arrives, into flat typed arrays, so that data records are
 * decoded by walking a few numbers instead of interpreting field specifiers every time.
 *
 * Fixed-length templates (the usual case) use `keptKind/keptOff/keptLen`: only the fields the
 * pipeline uses, each with its offset inside the record. Templates with variable-length fields
 * use `kind/len` (every field, in order), because offsets then differ per record.
 */
export class TemplatePlan {
  /** Set when the template was added or last refreshed; informational. */
  refreshedMs = 0;

  constructor(
    readonly id: number,
    /** An options template (sampling, system init time, ...) rather than a flow template. */
    readonly options: boolean,
    /** Leading scope fields of an options template (0 for flow templates). */
    readonly scopeCount: number,
    /** The raw field specifiers, to recognise an unchanged refresh without recompiling. */
    readonly spec: Buffer,
    readonly kind: Uint8Array,
    readonly len: Uint16Array,
    readonly keptKind: Uint8Array,
    readonly keptOff: Uint32Array,
    readonly keptLen: Uint16Array,
    /** Length of every record, or 0 when the template has variable-length fields. */
    readonly recordLength: number,
    /** Smallest possible record: a data set with fewer bytes left holds only padding. */
    readonly minRecordLength: number,
    /** Carries addresses, so its records become flow records. */
    readonly isFlow: boolean,
  ) {}

  get fieldCount(): number {
    return this.kind.length;
  }

  sameSpec(buf: Uint8Array, start: number, end: number, options: boolean, scopeCount: number): boolean {
    if (options !== this.options || scopeCount !== this.scopeCount || end - start !== this.spec.length) return false;
    for (let k = 0; k < this.spec.length; k++) if (this.spec[k] !== buf[start + k]) return false;
    return true;
  }
}

/** Where a template's field specifiers end, or -1 when they run past `end`. */
export function specEnd(buf: Uint8Array, p: number, end: number, fieldCount: number, ipfix: boolean): number {
  let q = p;
  for (let k = 0; k < fieldCount; k++) {
    if (end - q < 4) return -1;
    const enterprise = ipfix && (buf[q] & 0x80) !== 0;
    q += enterprise ? 8 : 4;
    if (q > end) return -1;
  }
  return q;
}

/**
 * Compiles the field specifiers in buf[p, specEnd) (found with specEnd()). Returns null when the
 * template cannot describe a decodable record (no fields, too many, records that cannot fit).
 * `scopeCount` is the number of leading scope fields of an options template.
 */
export function compileTemplate(
  buf: Uint8Array,
  p: number,
  end: number,
  id: number,
  fieldCount: number,
  scopeCount: number,
  options: boolean,
  ipfix: boolean,
): TemplatePlan | null {
  if (fieldCount === 0 || fieldCount > MAX_TEMPLATE_FIELDS) return null;
  const kind = new Uint8Array(fieldCount);
  const len = new Uint16Array(fieldCount);
  let q = p;
  let fixed = true;
  let minLength = 0;
  let hasOctets = false;
  let hasPackets = false;
  let hasV4 = false;
  let hasDstPort = false;
  for (let k = 0; k < fieldCount; k++) {
    const raw = readU16(buf, q);
    const length = readU16(buf, q + 2);
    const enterprise = ipfix && (raw & 0x8000) !== 0;
    q += enterprise ? 8 : 4;
    let fk = fieldKindOf(ipfix ? raw & 0x7fff : raw, length, enterprise, k < scopeCount, ipfix);
    if (options ? !OPTION_KINDS.has(fk) : OPTION_KINDS.has(fk) && !PER_RECORD_SAMPLING.has(fk)) fk = FieldKind.SKIP;
    kind[k] = fk;
    len[k] = length;
    if (length === VARIABLE_LENGTH) {
      fixed = false;
      minLength += 1;
    } else minLength += length;
    if (fk === FieldKind.OCTETS) hasOctets = true;
    else if (fk === FieldKind.PACKETS) hasPackets = true;
    else if (fk === FieldKind.SRC_V4 || fk === FieldKind.DST_V4) hasV4 = true;
    else if (fk === FieldKind.DST_PORT) hasDstPort = true;
  }
  if (q > end || minLength === 0 || minLength > MAX_RECORD_LENGTH) return null;

  let isFlow = false;
  let kept = 0;
  for (let k = 0; k < fieldCount; k++) {
    switch (kind[k]) {
      // Delta counters win over totals when a template carries both.
      case FieldKind.OCTETS_TOTAL:
        kind[k] = hasOctets ? FieldKind.SKIP : FieldKind.OCTETS;
        break;
      case FieldKind.PACKETS_TOTAL:
        kind[k] = hasPackets ? FieldKind.SKIP : FieldKind.PACKETS;
        break;
      case FieldKind.SRC_V6:
        if (hasV4) kind[k] = FieldKind.SRC_V6_IF_SET;
        break;
      case FieldKind.DST_V6:
        if (hasV4) kind[k] = FieldKind.DST_V6_IF_SET;
        break;
      case FieldKind.ICMP_TYPE_CODE:
        if (hasDstPort) kind[k] = FieldKind.SKIP;
        break;
    }
    const fk = kind[k];
    if (fk >= FieldKind.SRC_V4 && fk <= FieldKind.DST_V6_IF_SET) isFlow = true;
    if (fk !== FieldKind.SKIP) kept++;
  }

  const keptKind = new Uint8Array(fixed ? kept : 0);
  const keptOff = new Uint32Array(fixed ? kept : 0);
  const keptLen = new Uint16Array(fixed ? kept : 0);
  if (fixed) {
    let off = 0;
    let j = 0;
    for (let k = 0; k < fieldCount; k++) {
      if (kind[k] !== FieldKind.SKIP) {
        keptKind[j] = kind[k];
        keptOff[j] = off;
        keptLen[j] = len[k];
        j++;
      }
      off += len[k];
    }
  }
  const spec = Buffer.allocUnsafe(q - p);
  spec.set(buf.subarray(p, q));
  return new TemplatePlan(
    id,
    options,
    options ? scopeCount : 0,
    spec,
    kind,
    len,
    keptKind,
    keptOff,
    keptLen,
    fixed ? minLength : 0,
    minLength,
    isFlow && !options,
  );
}
