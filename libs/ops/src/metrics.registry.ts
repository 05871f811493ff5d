import { collectDefaultMetrics, Registry } from 'prom-client';

/** Injection token of the application's Prometheus registry. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/**
 * One Prometheus registry per application (not per process, so tests can run several apps side
 * by side). Domains register their metrics on it, usually reading their own plain counters in a
 * collect() callback, which keeps prom-client off the hot paths.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app: 'safeguards' });
  collectDefaultMetrics({ register: registry, prefix: 'safeguards_' });
  return registry;
}
