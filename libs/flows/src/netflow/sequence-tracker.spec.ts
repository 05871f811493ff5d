import { SequenceTracker, SequenceUnit } from './sequence-tracker';

const ALL = (1 << SequenceUnit.RECORDS) | (1 << SequenceUnit.RECORDS_INCLUSIVE) | (1 << SequenceUnit.DATAGRAMS);

function records(): SequenceTracker {
  return new SequenceTracker(1 << SequenceUnit.RECORDS, SequenceUnit.RECORDS);
}

describe('SequenceTracker', () => {
  it('counts gaps, not wrap-around', () => {
    const t = records();
    let seq = 0xffffff00;
    for (let k = 0; k < 20; k++) {
      t.observe(seq, 30, 30);
      seq = (seq + 30 + (k === 10 ? 7 : 0)) >>> 0;
    }
    expect(t.lost).toBe(7);
    expect(t.resets).toBe(0);
  });

  it('gives back loss when the late datagram arrives (reordering)', () => {
    const t = records();
    t.observe(0, 10, 10);
    t.observe(20, 10, 10);
    expect(t.lost).toBe(10);
    t.observe(10, 10, 10);
    t.observe(30, 10, 10);
    expect(t.lost).toBe(0);
  });

  it('treats a big backward jump as a restart, and an absurd forward jump as a resync', () => {
    const t = records();
    t.observe(5_000_000, 10, 10);
    t.observe(0, 10, 10);
    t.observe(10, 10, 10);
    t.observe(0x7f000000, 10, 10);
    t.observe(0x7f00000a, 10, 10);
    expect(t.lost).toBe(0);
    expect(t.resets).toBe(2);
  });

  it('picks the unit that explains the stream', () => {
    const byDatagram = new SequenceTracker(ALL, SequenceUnit.DATAGRAMS);
    const inclusive = new SequenceTracker(ALL, SequenceUnit.DATAGRAMS);
    const exclusive = new SequenceTracker(ALL, SequenceUnit.DATAGRAMS);
    let records = 0;
    for (let k = 1; k <= 20; k++) {
      const n = 5 + (k % 7);
      byDatagram.observe(k, n, n);
      exclusive.observe(records, n, n);
      records += n;
      inclusive.observe(records, n, n);
    }
    expect(byDatagram.unit).toBe(SequenceUnit.DATAGRAMS);
    expect(inclusive.unit).toBe(SequenceUnit.RECORDS_INCLUSIVE);
    expect(exclusive.unit).toBe(SequenceUnit.RECORDS);
    expect([byDatagram.lost, inclusive.lost, exclusive.lost]).toEqual([0, 0, 0]);
  });
});
