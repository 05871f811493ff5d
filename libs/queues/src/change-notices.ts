import type { Cluster } from 'ioredis';
import { createRedisClient, isCluster, type RedisClient, type RedisTarget } from './redis.module';

export interface ChangeNoticeHandlers {
  /** A process announced a change (the message is whatever it published). */
  onNotice: (message: string) => void;
  /** The connection came (back): notices may have been missed meanwhile. */
  onReconnect: () => void;
  /** Subscribing failed; the caller's periodic check covers the gap. */
  onSubscribeError: (err: Error) => void;
}

/**
 * Listens on a Redis pub/sub channel on which processes announce changes to shared state
 * (inventory, suppression rules). Every user also re-reads its state periodically, because
 * notices can be lost. `subscribed` settles once the subscription is in place or has failed (it
 * never rejects): a caller may wait for it, but a Redis that is down must not stop start-up.
 * Disconnect `subscriber` on shutdown. On a Redis Cluster this is classic pub/sub: the cluster bus
 * carries every PUBLISH to every node, so one subscription on any node hears all.
 */
export function listenForChanges(
  target: RedisTarget,
  name: string,
  channel: string,
  on: ChangeNoticeHandlers,
  sharded = false,
): { subscriber: RedisClient; subscribed: Promise<void> } {
  const subscriber = createRedisClient(target, name, true, sharded);
  subscriber.on('error', () => undefined);
  onChannelMessage(subscriber, (_channel, message) => on.onNotice(message));
  subscriber.on('ready', () => on.onReconnect());
  const subscribed = subscribeChannel(subscriber, channel).then(
    () => undefined,
    (err: Error) => on.onSubscribeError(err),
  );
  return { subscriber, subscribed };
}

/*
 * Sharded pub/sub on a cluster (SSUBSCRIBE/SPUBLISH), classic on one Redis. A classic PUBLISH on a
 * cluster reaches every node's subscribers but counts only the publishing node's; a sharded
 * channel lives on the master of its slot, where both its subscribers and SPUBLISH go, so the
 * count is whole. Users that need the count (the live re-check) subscribe with `sharded` and
 * publish with publishChannel; the helpers pick the command by the client.
 */

/** Subscribes `subscriber` to `channel` (sharded when the client is a cluster made with `sharded`). */
export function subscribeChannel(subscriber: RedisClient, channel: string): Promise<unknown> {
  return isShardedSubscriber(subscriber) ? subscriber.ssubscribe(channel) : subscriber.subscribe(channel);
}

export function unsubscribeChannel(subscriber: RedisClient, channel: string): Promise<unknown> {
  return isShardedSubscriber(subscriber) ? subscriber.sunsubscribe(channel) : subscriber.unsubscribe(channel);
}

/** Calls `handler` for messages of either kind. */
export function onChannelMessage(subscriber: RedisClient, handler: (channel: string, message: string) => void): void {
  subscriber.on(isShardedSubscriber(subscriber) ? 'smessage' : 'message', handler);
}

/** Publishes to subscribers made with `sharded`; resolves with how many received it. */
export async function publishChannel(publisher: RedisClient, channel: string, message: string): Promise<number> {
  return isCluster(publisher)
    ? Number(await publisher.spublish(channel, message))
    : publisher.publish(channel, message);
}

const isShardedSubscriber = (r: RedisClient): r is Cluster => isCluster(r) && r.options.shardedSubscribers === true;
