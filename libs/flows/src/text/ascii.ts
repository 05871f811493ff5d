/**
 * Number and address parsing straight from bytes, for the text flow-log parsers.
 *
 * The hot paths must not build strings per field, so these read a [start, end) range of a byte
 * array and return a number (-1 when the text is not valid), writing IPv6 words into a
 * caller-owned array. Nothing here allocates.
 */

const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) HEX[65 + c] = HEX[97 + c] = 10 + c;

/** Scratch for the eight groups of an IPv6 address; safe because parsing never re-enters. */
const groups = new Uint16Array(8);

/**
 * A decimal unsigned integer, at most `max` (which must not exceed 2^53 - 1); -1 when the range
 * is empty, holds anything but digits, or the value is too large.
 */
export function parseUintAscii(b: Uint8Array, s: number, e: number, max: number): number {
  // 16 digits can exceed 2^53, but the `max` check below still refuses those.
  if (s >= e || e - s > 16) return -1;
  let n = 0;
  for (let p = s; p < e; p++) {
    const d = b[p] - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n <= max ? n : -1;
}

/** A dotted-quad IPv4 address as an unsigned 32-bit number; -1 when it is not one. */
export function parseIPv4Ascii(b: Uint8Array, s: number, e: number): number {
  if (e - s < 7 || e - s > 15) return -1;
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let p = s; p < e; p++) {
    const c = b[p];
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      const d = c - 48;
      if (d < 0 || d > 9) return -1;
      part = part * 10 + d;
      if (++digits > 3 || part > 255) return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return n * 256 + part;
}

/**
 * An IPv6 address in any RFC 4291 text form (`::` compression, embedded IPv4; no zone id) into
 * four words at out[off..off+3]. Returns false, leaving `out` unspecified, when it is not one.
 */
export function parseIPv6Ascii(b: Uint8Array, s: number, e: number, out: Uint32Array, off: number): boolean {
  if (e - s < 2 || e - s > 45) return false;
  let n = 0;
  let gap = -1;
  let p = s;
  if (b[p] === 58) {
    if (b[p + 1] !== 58) return false;
    gap = 0;
    p += 2;
  }
  while (p < e) {
    const start = p;
    let v = 0;
    while (p < e && p - start < 4) {
      const h = HEX[b[p]];
      if (h < 0) break;
      v = v * 16 + h;
      p++;
    }
    if (p < e && b[p] === 46) {
      // Embedded IPv4 takes the last two groups and must end the address.
      if (n > 6) return false;
      const v4 = parseIPv4Ascii(b, start, e);
      if (v4 < 0) return false;
      groups[n++] = v4 >>> 16;
      groups[n++] = v4 & 0xffff;
      p = e;
      break;
    }
    if (p === start || n === 8) return false;
    groups[n++] = v;
    if (p === e) break;
    if (b[p] !== 58) return false;
    p++;
    if (p < e && b[p] === 58) {
      if (gap >= 0) return false;
      gap = n;
      p++;
    } else if (p === e) return false;
  }
  if (gap < 0 ? n !== 8 : n > 7) return false;
  const zeros = 8 - n;
  for (let k = 0; k < 8; k += 2) {
    const hi = gap < 0 || k < gap ? groups[k] : k < gap + zeros ? 0 : groups[k - zeros];
    const k1 = k + 1;
    const lo = gap < 0 || k1 < gap ? groups[k1] : k1 < gap + zeros ? 0 : groups[k1 - zeros];
    out[off + (k >> 1)] = ((hi << 16) | lo) >>> 0;
  }
  return true;
}
