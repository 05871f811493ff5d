import type { DetectionConfigInput } from '../engine/detection-config';
import type { DetectionEngineStats } from '../engine/detection-engine';
import type { FindingKind, FindingRole } from '@sg/queues/finding-vocabulary';
import type { Finding } from '../engine/finding';
import type { SuppressionRule } from '../engine/suppression-rule';
import type { ThreatListSource } from '../engine/threat-intel';

/**
 * Messages between the thread that receives flows and the detection thread. Records never travel
 * in messages: they sit in shared memory slots (one FlowBatch each), and a `batch` message names
 * the slot. Everything else is small and rare.
 */
export interface DetectionWorkerData {
  /** The slots: `slots` FlowBatches of `capacity` records laid end to end. */
  memory: SharedArrayBuffer;
  /** One Int32 per slot: 1 while the detection thread owns it, 0 when it may be written. */
  owners: SharedArrayBuffer;
  slots: number;
  capacity: number;
  config?: DetectionConfigInput;
  /** How often the detection thread moves its clock on (closes quiet windows, ends incidents). */
  advanceMs: number;
  /** How often it sends its statistics. */
  statsMs: number;
  /** This thread's share of the VMs when detection runs on several threads. */
  partition: { index: number; count: number };
}

export interface VmDirectorySnapshot {
  ids: string[];
  deploymentIds: string[];
  subscriptionIds: string[];
  /** With the flow bus: the bus partition of each slot (DetectionEngine.setBusPartitions). */
  busPartitions?: Int16Array;
}

export type ToDetection =
  | {
      t: 'batch';
      slot: number;
      length: number;
      source: number;
      exporter: string;
      busPartition: number;
      watermarkMs: number;
    }
  | ({ t: 'directory' } & VmDirectorySnapshot)
  | { t: 'rules'; rules: SuppressionRule[] }
  | { t: 'intel'; id: number; sources: ThreatListSource[] }
  | { t: 'advance'; id: number; nowMs: number }
  /** A flow-bus partition with nothing to deliver (DetectionEngine.partitionIdle). */
  | { t: 'idle'; partition: number; boundMs: number }
  | { t: 'recheck'; id: number; vmSlot: number; role: FindingRole; kind: FindingKind; windowMs: number; nowMs: number }
  | { t: 'stats'; id: number }
  /** Answered once everything sent before it was handled and its findings sent. */
  | { t: 'drain'; id: number };

export type FromDetection =
  | { t: 'findings'; findings: Finding[] }
  | { t: 'stats'; stats: DetectionEngineStats }
  | { t: 'reply'; id: number; value?: unknown; error?: string }
  | { t: 'error'; message: string }
  | { t: 'ready' };
