import type { AppConfig } from '@sg/common';

/**
 * The BullMQ prefix of one queue. On one Redis it is QUEUE_PREFIX, as always (keys
 * `sg:findings:wait`, ...). On a Redis Cluster every key a BullMQ script touches must hash to one
 * slot, so the prefix carries a hash tag per queue, `{sg:findings}` (keys
 * `{sg:findings}:findings:wait`, ...): a queue's keys sit in one slot and the queues spread over
 * the masters. A QUEUE_PREFIX that already holds a hash tag (`{sg}`) is kept as it is: then every
 * queue shares that one slot.
 */
export function queuePrefix(cfg: Pick<AppConfig, 'QUEUE_PREFIX' | 'REDIS_CLUSTER'>, queue: string): string {
  if (!cfg.REDIS_CLUSTER.length || /\{[^}]+\}/.test(cfg.QUEUE_PREFIX)) return cfg.QUEUE_PREFIX;
  return `{${cfg.QUEUE_PREFIX}:${queue}}`;
}
