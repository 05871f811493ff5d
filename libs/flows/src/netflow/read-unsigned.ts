/**
 * Reads an unsigned big-endian integer of 1-8 bytes (the reduced-size encodings of RFC 7011 6.2)
 * straight from the bytes (no DataView, no BigInt) and stores it in dst[at]. It stores rather than
 * returns because a returned number beyond the small-integer range is boxed into a new heap
 * object, while a typed-array element never is. Values above 2^53 lose precision, which no
 * realistic counter reaches.
 */
export function readInto(dst: Float64Array, at: number, b: Uint8Array, p: number, n: number): void {
  switch (n) {
    case 1:
      dst[at] = b[p];
      return;
    case 2:
      dst[at] = (b[p] << 8) | b[p + 1];
      return;
    case 4:
      dst[at] = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
      return;
    case 8:
      dst[at] =
        (((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0) * 4294967296 +
        (((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0);
      return;
    default: {
      let v = 0;
      for (let k = 0; k < n; k++) v = v * 256 + b[p + k];
      dst[at] = v;
    }
  }
}

export function readU16(b: Uint8Array, p: number): number {
  return (b[p] << 8) | b[p + 1];
}

export function readU32(b: Uint8Array, p: number): number {
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}
