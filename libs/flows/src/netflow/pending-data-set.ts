import type { DomainState } from './domain-state';

/**
 * A data set that arrived before its template, copied out of its datagram together with the
 * header times needed to decode it later.
 */
export interface PendingDataSet {
  domain: DomainState;
  templateId: number;
  /** The set's records (set header stripped). */
  data: Buffer;
  /** Header export time in ms (v9: unix_secs; IPFIX: export time). */
  exportMs: number;
  /** v9 header sysUptime; -1 for IPFIX. */
  sysUptime: number;
  arrivedMs: number;
}
