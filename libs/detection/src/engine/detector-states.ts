import { AmplificationState } from './amplification.detector';
import { BruteForceState, LoginServiceState } from './brute-force.detector';
import type { DetectionConfig } from './detection-config';
import { ThreatHitState } from './malicious-peer.detector';
import { StratumState } from './mining.detector';
import { PortScanState } from './port-scan.detector';
import { SpamState } from './spam.detector';
import { TcpReflectionState } from './tcp-reflection.detector';

/**
 * The detectors' per-side states, indexed by track. A state exists only for sides that showed the
 * traffic its detector looks at: the hot path reads `scan[tr]` and the like, and creates a missing
 * one with `newScan(tr, ...)` (cold). Every state is bounded (README, "Detector state").
 */
export class DetectorStates {
  readonly scan: (PortScanState | undefined)[] = [];
  readonly brute: (BruteForceState | undefined)[] = [];
  readonly logins: (LoginServiceState | undefined)[] = [];
  readonly amp: (AmplificationState | undefined)[] = [];
  readonly spam: (SpamState | undefined)[] = [];
  readonly hits: (ThreatHitState | undefined)[] = [];
  readonly stratum: (StratumState | undefined)[] = [];
  readonly refl: (TcpReflectionState | undefined)[] = [];

  /**
   * @param slots bucket slots each state keeps (window + lateness + 1)
   * @param trwFrom failed pairs on a port before the port's answered hosts are kept for the TRW ratio
   */
  constructor(
    private readonly config: DetectionConfig,
    private readonly slots: number,
    private readonly trwFrom: number,
  ) {}

  newScan(tr: number, isSource: boolean): PortScanState {
    const c = this.config;
    return (this.scan[tr] = new PortScanState(c.limits.scanPairs, isSource, this.trwFrom, {
      hosts: isSource ? c.portScan.horizontalHosts : 0,
      ports: c.portScan.verticalPorts,
      slots: this.slots,
    }));
  }

  newBrute(tr: number): BruteForceState {
    return (this.brute[tr] = new BruteForceState(this.config.limits.bruteRows, this.slots));
  }

  newLogins(tr: number): LoginServiceState {
    const l = this.config.limits;
    return (this.logins[tr] = new LoginServiceState(this.slots, l.exactDistinct, l.hllPrecision));
  }

  newAmp(tr: number): AmplificationState {
    const c = this.config;
    return (this.amp[tr] = new AmplificationState(
      this.slots,
      c.amplification.ports.length,
      c.limits.exactDistinct,
      c.limits.hllPrecision,
    ));
  }

  newSpam(tr: number): SpamState {
    const l = this.config.limits;
    return (this.spam[tr] = new SpamState(l.smallRows, this.slots, l.exactDistinct, l.hllPrecision));
  }

  newHits(tr: number): ThreatHitState {
    return (this.hits[tr] = new ThreatHitState(this.config.limits.smallRows));
  }

  newStratum(tr: number): StratumState {
    return (this.stratum[tr] = new StratumState(this.config.limits.smallRows, this.slots));
  }

  newRefl(tr: number): TcpReflectionState {
    const l = this.config.limits;
    return (this.refl[tr] = new TcpReflectionState(this.slots, l.exactDistinct, l.hllPrecision));
  }

  /** Rows, exact values and registers held by all states. */
  entries(): number {
    let entries = 0;
    const sum = (arr: ({ entries: number } | undefined)[]) => {
      for (const s of arr) if (s) entries += s.entries;
    };
    sum(this.scan);
    sum(this.brute);
    sum(this.logins);
    sum(this.amp);
    sum(this.spam);
    sum(this.hits);
    sum(this.stratum);
    sum(this.refl);
    return entries;
  }

  /** Rows refused because a bounded table was full. */
  dropped(): number {
    let dropped = 0;
    for (const s of this.scan) if (s) dropped += s.pairs.dropped;
    for (const s of this.brute) if (s) dropped += s.rows.dropped;
    return dropped;
  }

  /** The side was evicted: its states go. */
  clear(tr: number): void {
    this.scan[tr] = undefined;
    this.brute[tr] = undefined;
    this.logins[tr] = undefined;
    this.amp[tr] = undefined;
    this.spam[tr] = undefined;
    this.hits[tr] = undefined;
    this.stratum[tr] = undefined;
    this.refl[tr] = undefined;
  }
}
