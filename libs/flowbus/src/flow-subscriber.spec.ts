import { HEADER_BYTES, MAX_MESSAGE_RECORDS, MIN_PULL_BYTES, RECORD_BYTES } from './flow-codec';
import { FlowPublisher } from './flow-publisher';
import { pullBytes } from './flow-subscriber';

/** nats-server cuts off a client with more than 64 MB on its way to it (max_pending). */
const SERVER_MAX_PENDING = 64 * 1024 * 1024;
/** A message of the publisher's default (largest usual) size: 1,024 records and the header. */
const LARGEST_MESSAGE = 1024 * RECORD_BYTES + HEADER_BYTES;

describe('pullBytes: what each partition pull asks for', () => {
  it.each([1, 3, 22, 64, 256, 4096])(
    'with %i partitions, stays under the server’s cut-off and fits a whole message',
    (n) => {
      const each = pullBytes(n);
      expect(each).toBeGreaterThanOrEqual(LARGEST_MESSAGE);
      // Up to 128 partitions a detector's pulls together stay at half the server's limit.
      if (n <= 128) expect(each * n).toBeLessThanOrEqual(SERVER_MAX_PENDING / 2);
    },
  );

  it('gives one partition at most 4 MB and many partitions at least 256 KB, which no published message exceeds', () => {
    expect(pullBytes(1)).toBe(4 * 1024 * 1024);
    expect(pullBytes(64)).toBe(512 * 1024);
    expect(pullBytes(10_000)).toBe(256 * 1024);
    expect(MAX_MESSAGE_RECORDS).toBeGreaterThanOrEqual(1024);
    const sink = () => Promise.resolve();
    const opts = { partitions: 1, subjectPrefix: 'sg.flows', partitionOfSlot: () => new Int16Array(0) };
    const most = Math.floor((MIN_PULL_BYTES - HEADER_BYTES) / RECORD_BYTES);
    expect(() => new FlowPublisher(sink, { ...opts, messageRecords: most })).not.toThrow();
    expect(() => new FlowPublisher(sink, { ...opts, messageRecords: most + 1 })).toThrow(/messageRecords/);
    expect(pullBytes(10_000)).toBe(MIN_PULL_BYTES);
  });
});
