import type { DomainState } from './domain-state';

/** One exporter address and its streams; the unit the template bounds are applied to. */
export class ExporterState {
  /** Keyed by version * 2^32 + domain id, so v9 and IPFIX streams of one address never mix. */
  readonly domains = new Map<number, DomainState>();
  templateCount = 0;
  lastSeenMs = 0;

  constructor(readonly address: string) {}
}
