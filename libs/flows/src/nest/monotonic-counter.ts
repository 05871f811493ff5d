import { Counter, type Registry } from 'prom-client';

/**
 * A Prometheus counter fed from plain numbers that the hot path increments itself: on each scrape
 * the collect callback reads the current totals and adds only what grew since the last scrape.
 * A total that went down (a restarted exporter's state was dropped) is taken as a new start.
 */
export function monotonicCounter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
  read: () => Iterable<[Record<string, string>, number]>,
): Counter<string> {
  const last = new Map<string, number>();
  return new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const [labels, value] of read()) {
        const key = labelNames.map((l) => labels[l] ?? '').join('\u0000');
        const prev = last.get(key) ?? 0;
        const delta = value >= prev ? value - prev : value;
        if (delta > 0) this.inc(labels, delta);
        last.set(key, value);
      }
    },
  });
}
