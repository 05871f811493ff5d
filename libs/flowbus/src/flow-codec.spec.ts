import { FlowBatch } from '@sg/flows/flow-batch';
import {
  decodeFlows,
  encodeFlows,
  flowOrigin,
  HEADER_BYTES,
  HEADER_BYTES_V1,
  MalformedFlowMessage,
  RECORD_BYTES,
} from './flow-codec';

/** A batch whose every column holds a distinct value per record (a column swapped or shifted shows). */
function sample(n: number): FlowBatch {
  const b = new FlowBatch(512);
  for (let k = 0; k < n; k++) {
    const i = b.next();
    b.startMs[i] = 1_700_000_000_000 + k * 1000 + 0.5;
    b.endMs[i] = 1_700_000_000_500 + k * 1000;
    b.packets[i] = 1e12 + k;
    b.bytes[i] = 3.25 * k;
    for (let w = 0; w < 4; w++) {
      b.srcAddr[i * 4 + w] = (0xc0a80000 + k * 4 + w) >>> 0;
      b.dstAddr[i * 4 + w] = (0xfe800000 + k * 4 + w) >>> 0;
    }
    b.sampling[i] = 4_000_000_000 + k;
    b.srcPort[i] = 65535 - k;
    b.dstPort[i] = 1 + k;
    b.family[i] = k % 2 ? 6 : 4;
    b.proto[i] = [6, 17, 1][k % 3];
    b.tcpFlags[i] = k & 0xff;
    b.flags[i] = 1;
    b.action[i] = k % 3;
    // Attribution is not carried: the detector attributes again with its own inventory.
    b.srcVm[i] = k;
    b.dstVm[i] = 7;
    b.direction[i] = 3;
  }
  return b;
}

const carried = [
  'startMs',
  'endMs',
  'packets',
  'bytes',
  'srcAddr',
  'dstAddr',
  'sampling',
  'srcPort',
  'dstPort',
  'family',
  'proto',
  'tcpFlags',
  'flags',
  'action',
] as const;

describe('flow bus codec', () => {
  it('round-trips every carried column and leaves the records unattributed', () => {
    const b = sample(300);
    const msg = encodeFlows(b, 42);
    expect(msg.length).toBe(HEADER_BYTES + 300 * RECORD_BYTES);
    const out = new FlowBatch(4096);
    out.srcVm.fill(5);
    expect(decodeFlows(msg, out, 42)).toBe(300);
    expect(out.length).toBe(300);
    expect(out.busPartition).toBe(42);
    for (const col of carried) {
      const per = col === 'srcAddr' || col === 'dstAddr' ? 4 : 1;
      expect(Array.from(out[col].subarray(0, 300 * per))).toEqual(Array.from(b[col].subarray(0, 300 * per)));
    }
    expect(Array.from(out.srcVm.subarray(0, 300)).every((v) => v === -1)).toBe(true);
    expect(Array.from(out.dstVm.subarray(0, 300)).every((v) => v === -1)).toBe(true);
    expect(Array.from(out.direction.subarray(0, 300)).every((v) => v === 0)).toBe(true);
  });

  it('decodes from a buffer at any byte offset (as the client hands them)', () => {
    const msg = encodeFlows(sample(3), 1);
    const shifted = Buffer.alloc(msg.length + 3);
    msg.copy(shifted, 3);
    const out = new FlowBatch(16);
    expect(decodeFlows(shifted.subarray(3), out)).toBe(3);
    expect(out.endMs[2]).toBe(1_700_000_002_500);
  });

  it('encodes an empty batch as a header alone', () => {
    const msg = encodeFlows(new FlowBatch(4), 0);
    expect(msg.length).toBe(HEADER_BYTES);
    expect(decodeFlows(msg, new FlowBatch(4))).toBe(0);
  });

  it('reads version-1 messages (8-byte header, before the watermark) as watermark 0 and origin 0', () => {
    const b = sample(5);
    b.watermarkMs = 1_700_000_000_000;
    const v2 = encodeFlows(b, 9, 77);
    const v1 = Buffer.concat([v2.subarray(0, HEADER_BYTES_V1), v2.subarray(HEADER_BYTES)]);
    v1[0] = 1;
    const out = new FlowBatch(16);
    out.watermarkMs = 123;
    expect(decodeFlows(v1, out, 9)).toBe(5);
    expect(out.watermarkMs).toBe(0);
    expect(flowOrigin(v1)).toBe(0);
    expect(Array.from(out.endMs.subarray(0, 5))).toEqual(Array.from(b.endMs.subarray(0, 5)));
    expect(Array.from(out.action.subarray(0, 5))).toEqual(Array.from(b.action.subarray(0, 5)));
    expect(decodeFlows(v2, out, 9)).toBe(5);
    expect(out.watermarkMs).toBe(1_700_000_000_000);
    expect(flowOrigin(v2)).toBe(77);
  });

  it('refuses truncated, padded, foreign-version, wrong-partition and oversized messages', () => {
    const msg = encodeFlows(sample(10), 3);
    const out = new FlowBatch(16);
    const bad: [Uint8Array, RegExp][] = [
      [msg.subarray(0, 5), /shorter than a header/],
      [msg.subarray(0, msg.length - 1), /bytes for 10 records/],
      [Buffer.concat([msg, Buffer.alloc(1)]), /bytes for 10 records/],
      [Buffer.from([3, ...msg.subarray(1)]), /unknown version 3/],
      [Buffer.from([2, ...msg.subarray(1, 12)]), /shorter than a header/],
      [Buffer.from('{"not":"flows"}'), /unknown version|bytes for/],
    ];
    for (const [m, why] of bad) {
      expect(() => decodeFlows(m, out)).toThrow(why);
      expect(() => decodeFlows(m, out)).toThrow(MalformedFlowMessage);
      expect(out.length).toBe(0);
    }
    expect(() => decodeFlows(msg, out, 4)).toThrow(/partition 3 on the subject of partition 4/);
    expect(() => decodeFlows(msg, new FlowBatch(8))).toThrow(/more than the batch holds/);
    const huge = Buffer.from(msg);
    huge.writeUInt32LE(0xffffffff, 4);
    expect(() => decodeFlows(huge, out)).toThrow(/more than 65536/);
  });
});
