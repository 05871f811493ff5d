import { endianness } from 'node:os';
import type { FlowBatch } from '@sg/flows/flow-batch';

/**
 * The flow bus's message format: the records of one partition, column by column, so encoding and
 * decoding are a few typed-array copies per message and no object per record.
 *
 *   offset 0  u8   version (2)
 *          1  u8   reserved (0)
 *          2  u16  partition (little-endian)
 *          4  u32  record count n (little-endian)
 *          8  f64  watermark (ms): event time every upload going on at the publishing collector
 *                  had reached when the message left (FlowBatch.watermarkMs), 0 when it does not
 *                  say (UDP only, no upload going on)
 *         16  u32  origin: the publishing process (random per FlowPublisher, never 0)
 *         20  u32  reserved (0)
 *         24  columns of n values each, in this order and width:
 *             startMs, endMs, packets, bytes (f64); srcAddr, dstAddr (4 x u32); sampling (u32);
 *             srcPort, dstPort (u16); family, proto, tcpFlags, flags, action (u8)
 *
 * Version 1 (the same without bytes 8-23: columns from offset 8) is still read, as watermark 0 and
 * origin 0, so collectors of before can go on publishing while detectors are upgraded; a version-1
 * detector terminates version-2 messages as malformed, so upgrade detectors first.
 *
 * Numbers are little-endian (the host order; a big-endian host refuses to load this module).
 * Attribution (VM slots, direction) is not carried: slots are per process, and the detector
 * attributes each record again against its own inventory. Source and exporter are not carried
 * either (a message mixes batches; detection reads neither).
 */
export const FLOW_CODEC_VERSION = 2;
export const HEADER_BYTES = 24;
/** The header of version 1 (no watermark, no origin). */
export const HEADER_BYTES_V1 = 8;
/** Bytes per record in a message. */
export const RECORD_BYTES = 4 * 8 + 2 * 16 + 4 + 2 * 2 + 5;
/** The most records one message may carry (a bigger count is refused as malformed). */
export const MAX_MESSAGE_RECORDS = 65_536;
/**
 * The least a detector's pull of one partition asks for (pullBytes in flow-subscriber.ts): a
 * message larger than this would never be delivered, so FlowPublisher makes none.
 */
export const MIN_PULL_BYTES = 256 * 1024;

if (endianness() !== 'LE') throw new Error('the flow bus codec needs a little-endian host');

type Column = Float64Array | Uint32Array | Uint16Array | Uint8Array;

/** The carried columns of a batch with their width in bytes per record, in message order. */
function columns(b: FlowBatch): [Column, number][] {
  return [
    [b.startMs, 8],
    [b.endMs, 8],
    [b.packets, 8],
    [b.bytes, 8],
    [b.srcAddr, 16],
    [b.dstAddr, 16],
    [b.sampling, 4],
    [b.srcPort, 2],
    [b.dstPort, 2],
    [b.family, 1],
    [b.proto, 1],
    [b.tcpFlags, 1],
    [b.flags, 1],
    [b.action, 1],
  ];
}

const bytesOf = (c: Column, bytes: number): Uint8Array => new Uint8Array(c.buffer, c.byteOffset, bytes);

/**
 * Encodes records [0, batch.length) of `batch` into one new message for `partition`, with the
 * batch's watermarkMs and the publishing process's `origin` (a non-zero u32) in the header.
 */
export function encodeFlows(batch: FlowBatch, partition: number, origin = 0): Buffer {
  const n = batch.length;
  if (n > MAX_MESSAGE_RECORDS) throw new Error(`at most ${MAX_MESSAGE_RECORDS} records a message`);
  const out = Buffer.allocUnsafe(HEADER_BYTES + n * RECORD_BYTES);
  out[0] = FLOW_CODEC_VERSION;
  out[1] = 0;
  out.writeUInt16LE(partition, 2);
  out.writeUInt32LE(n, 4);
  const wm = batch.watermarkMs;
  out.writeDoubleLE(wm > 0 ? wm : 0, 8);
  out.writeUInt32LE(origin >>> 0, 16);
  out.writeUInt32LE(0, 20);
  let o = HEADER_BYTES;
  for (const [col, w] of columns(batch)) {
    out.set(bytesOf(col, n * w), o);
    o += n * w;
  }
  return out;
}

export class MalformedFlowMessage extends Error {}

/** A message's header, checked against its length. */
export interface FlowHeader {
  partition: number;
  count: number;
  /** Watermark of the publishing collector's uploads (ms), 0 when it did not say. */
  watermarkMs: number;
  /** The publishing process, 0 when unknown (version 1). */
  origin: number;
  /** Where the columns start. */
  headerBytes: number;
}

/** The header of a message, checked against its length. */
export function readFlowHeader(msg: Uint8Array): FlowHeader {
  if (msg.length < HEADER_BYTES_V1) throw new MalformedFlowMessage(`${msg.length} bytes, shorter than a header`);
  const version = msg[0];
  if (version !== FLOW_CODEC_VERSION && version !== 1) throw new MalformedFlowMessage(`unknown version ${version}`);
  const headerBytes = version === 1 ? HEADER_BYTES_V1 : HEADER_BYTES;
  if (msg.length < headerBytes) throw new MalformedFlowMessage(`${msg.length} bytes, shorter than a header`);
  const partition = msg[2] | (msg[3] << 8);
  const count = (msg[4] | (msg[5] << 8) | (msg[6] << 16) | (msg[7] << 24)) >>> 0;
  if (count > MAX_MESSAGE_RECORDS) throw new MalformedFlowMessage(`${count} records, more than ${MAX_MESSAGE_RECORDS}`);
  if (msg.length !== headerBytes + count * RECORD_BYTES)
    throw new MalformedFlowMessage(
      `${msg.length} bytes for ${count} records (expected ${headerBytes + count * RECORD_BYTES})`,
    );
  let watermarkMs = 0;
  let origin = 0;
  if (version !== 1) {
    const view = new DataView(msg.buffer, msg.byteOffset, headerBytes);
    watermarkMs = view.getFloat64(8, true);
    if (!(watermarkMs > 0) || !Number.isFinite(watermarkMs)) watermarkMs = 0;
    origin = view.getUint32(16, true);
  }
  return { partition, count, watermarkMs, origin, headerBytes };
}

/**
 * Decodes a message into `into` (emptied first; its capacity must hold the message's records),
 * setting busPartition and watermarkMs (the publisher's, 0 when it did not say); the records are
 * not attributed yet (VM slots -1, direction 0). Answers the record count (flowOrigin() tells the
 * publisher). Throws MalformedFlowMessage, leaving `into` empty, for a message that is not one this
 * codec wrote.
 */
export function decodeFlows(msg: Uint8Array, into: FlowBatch, expectedPartition?: number): number {
  into.length = 0;
  const header = readFlowHeader(msg);
  const { partition, count: n } = header;
  if (expectedPartition !== undefined && partition !== expectedPartition)
    throw new MalformedFlowMessage(`partition ${partition} on the subject of partition ${expectedPartition}`);
  if (n > into.capacity) throw new MalformedFlowMessage(`${n} records, more than the batch holds (${into.capacity})`);
  let o = header.headerBytes;
  for (const [col, w] of columns(into)) {
    bytesOf(col, n * w).set(msg.subarray(o, o + n * w));
    o += n * w;
  }
  into.srcVm.fill(-1, 0, n);
  into.dstVm.fill(-1, 0, n);
  into.direction.fill(0, 0, n);
  into.busPartition = partition;
  into.watermarkMs = header.watermarkMs;
  into.length = n;
  return n;
}

/** The publishing process of a message decodeFlows() accepted (0: unknown, a version-1 message). */
export function flowOrigin(msg: Uint8Array): number {
  if (msg[0] === 1 || msg.length < HEADER_BYTES) return 0;
  return (msg[16] | (msg[17] << 8) | (msg[18] << 16) | (msg[19] << 24)) >>> 0;
}
