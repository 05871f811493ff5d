import { Gauge, type Registry } from 'prom-client';

/** A gauge read from plain counters at scrape time (nothing of prom-client on the hot path). */
export function busGauge(registry: Registry, name: string, help: string, read: () => number): Gauge {
  return new Gauge({
    name: `safeguards_flowbus_${name}`,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/** A gauge with one series per partition, read at scrape time. */
export function partitionGauge(
  registry: Registry,
  name: string,
  help: string,
  read: () => Iterable<[number, number]>,
): Gauge<'partition'> {
  return new Gauge({
    name: `safeguards_flowbus_${name}`,
    help,
    labelNames: ['partition'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [p, v] of read()) this.set({ partition: String(p) }, v);
    },
  });
}

/** Partition of each inventory slot, extended as slots are added (a slot's VM never changes). */
export class SlotPartitions {
  private parts = new Int16Array(0);

  constructor(
    private readonly partitionOf: (vmId: string) => number,
    private readonly ids: () => readonly string[],
  ) {}

  /** Current for the inventory's slots; recomputed only for slots added since the last call. */
  get(): Int16Array {
    const ids = this.ids();
    if (ids.length === this.parts.length) return this.parts;
    return this.of(ids);
  }

  /** The partition of each id in `ids` (the registry's slot order), reusing what is known. */
  of(ids: readonly string[]): Int16Array {
    const old = this.parts;
    if (ids.length === old.length) return old;
    const next = new Int16Array(ids.length);
    const keep = Math.min(old.length, ids.length);
    next.set(old.subarray(0, keep));
    for (let s = keep; s < ids.length; s++) next[s] = this.partitionOf(ids[s]);
    this.parts = next;
    return next;
  }
}
