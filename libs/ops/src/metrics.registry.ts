import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The process's one Prometheus registry. Domains register their counters here (or update them
 * in a collect() callback from their own plain counters, which keeps prom-client off hot paths).
 */
export const metricsRegistry = new Registry();
metricsRegistry.setDefaultLabels({ app: 'safeguards' });
collectDefaultMetrics({ register: metricsRegistry, prefix: 'safeguards_' });
