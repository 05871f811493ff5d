import type { ExporterState } from './exporter-state';
import type { PendingDataSet } from './pending-data-set';
import { SequenceTracker } from './sequence-tracker';
import type { TemplatePlan } from './template-plan';

/** Distinct sampler ids remembered per domain; more than this is not seen in practice. */
const MAX_SAMPLERS = 16;
/** sysUptime stepping back more than this is a restart, not a reordered datagram. */
const UPTIME_REORDER_MS = 5_000;
/** sysUptime wraps after 2^32 ms (49.7 days); a step from the last day to the first is a wrap. */
const UPTIME_WRAP_MARGIN_MS = 86_400_000;

/**
 * One export stream: an exporter's v5 engine, v9 source id or IPFIX observation domain. Holds its
 * templates, what its options data said (sampling, system init time) and its sequence state.
 */
export class DomainState {
  readonly templates = new Map<number, TemplatePlan>();
  /** Data sets waiting for their template. */
  readonly pending: PendingDataSet[] = [];
  pendingBytes = 0;
  /** Sampling rate announced for the whole stream (options data without a sampler id). */
  samplingRate = 1;
  /** IPFIX systemInitTimeMilliseconds (element 160), the base of flowStart/EndSysUpTime. */
  systemInitMs = NaN;
  /** Last header sysUptime (v5, v9), to tell an exporter restart from reordering. */
  lastUptime = -1;

  private readonly samplerIds = new Float64Array(MAX_SAMPLERS);
  private readonly samplerRates = new Uint32Array(MAX_SAMPLERS);
  private samplerCount = 0;
  private samplerNext = 0;

  constructor(
    readonly exporter: ExporterState,
    /** 5, 9 or 10. */
    readonly version: number,
    /** Engine type/id (v5: type << 8 | id), source id (v9) or observation domain id (IPFIX). */
    readonly id: number,
    readonly sequence: SequenceTracker,
  ) {}

  /** Notes a header sysUptime; an uptime that went back means the exporter restarted. */
  noteUptime(uptime: number): void {
    const last = this.lastUptime;
    if (last >= 0 && uptime < last - UPTIME_REORDER_MS) {
      const wrapped = last > 0xffffffff - UPTIME_WRAP_MARGIN_MS && uptime < UPTIME_WRAP_MARGIN_MS;
      if (!wrapped) this.sequence.restart();
    }
    this.lastUptime = uptime;
  }

  /** The rate a sampler id stands for, or 0 when that sampler was never announced. */
  rateForSampler(samplerId: number): number {
    for (let k = 0; k < this.samplerCount; k++) if (this.samplerIds[k] === samplerId) return this.samplerRates[k];
    return 0;
  }

  setSamplerRate(samplerId: number, rate: number): void {
    for (let k = 0; k < this.samplerCount; k++) {
      if (this.samplerIds[k] === samplerId) {
        this.samplerRates[k] = rate;
        return;
      }
    }
    // Beyond the bound the oldest announcement is replaced.
    const k = this.samplerCount < MAX_SAMPLERS ? this.samplerCount++ : this.samplerNext++ % MAX_SAMPLERS;
    this.samplerIds[k] = samplerId;
    this.samplerRates[k] = rate;
  }
}
