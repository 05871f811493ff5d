import {
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamInfo,
} from '@nats-io/jetstream';

/** The stream of attributed flows and its subjects: `sg.flows.<partition>`. */
export const FLOW_STREAM = 'SG_FLOWS';
export const FLOW_SUBJECT_PREFIX = 'sg.flows';
/** Durable consumer of one partition (one puller each: a second would break the partition's order). */
export const detectorConsumerName = (partition: number): string => `sg-detector-p${partition}`;

export interface FlowStreamSettings {
  partitions: number;
  /** Age limit of a message (streamMaxAgeMs). */
  maxAgeMs: number;
  maxBytes: number;
}

/**
 * How long the stream keeps flows: the replay horizon (what a detector replays before its first
 * unanalysed record, replayHorizonMs of the detection config: window + lateness + one bucket)
 * plus as much again, so a detector that was down for up to one horizon still replays whole
 * windows before the first record it had not analysed.
 */
export const streamMaxAgeMs = (replayHorizonMs: number): number => 2 * replayHorizonMs;

/** Written into the stream's description; a process with another FLOW_PARTITIONS refuses to start. */
const describe = (partitions: number): string => `Safeguards attributed flows; partitions=${partitions}`;

/**
 * Creates the flow stream, or updates its limits when it exists (file storage, oldest discarded at
 * the limits). Refuses a stream made for another partition count: VMs would land in partitions
 * their detectors do not read.
 */
export async function ensureFlowStream(jsm: JetStreamManager, s: FlowStreamSettings): Promise<StreamInfo> {
  const config = {
    name: FLOW_STREAM,
    subjects: [`${FLOW_SUBJECT_PREFIX}.*`],
    description: describe(s.partitions),
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: s.maxAgeMs * 1_000_000, // nanoseconds
    max_bytes: s.maxBytes,
    num_replicas: 1,
  };
  let existing: StreamInfo | null = null;
  try {
    existing = await jsm.streams.info(FLOW_STREAM);
  } catch (err) {
    if (!/stream not found/i.test((err as Error).message)) throw err;
  }
  if (!existing) {
    try {
      return await jsm.streams.add(config);
    } catch (err) {
      // Another process created it meanwhile: check and update that one.
      existing = await jsm.streams.info(FLOW_STREAM).catch(() => {
        throw err;
      });
    }
  }
  const m = /partitions=(\d+)/.exec(existing.config.description ?? '');
  if (m && Number(m[1]) !== s.partitions)
    throw new Error(
      `stream ${FLOW_STREAM} was made for FLOW_PARTITIONS=${m[1]}, this process has ${s.partitions}; use one value everywhere (or delete the stream)`,
    );
  const c = existing.config;
  if (c.max_age === config.max_age && c.max_bytes === config.max_bytes && c.description === config.description)
    return existing;
  return jsm.streams.update(FLOW_STREAM, {
    max_age: config.max_age,
    max_bytes: config.max_bytes,
    description: config.description,
    discard: config.discard,
  });
}
