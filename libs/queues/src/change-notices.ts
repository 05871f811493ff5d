import type Redis from 'ioredis';
import { createRedisClient } from './redis.module';

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
 * Disconnect `subscriber` on shutdown.
 */
export function listenForChanges(
  url: string,
  name: string,
  channel: string,
  on: ChangeNoticeHandlers,
): { subscriber: Redis; subscribed: Promise<void> } {
  const subscriber = createRedisClient(url, name, true);
  subscriber.on('error', () => undefined);
  subscriber.on('message', (_channel: string, message: string) => on.onNotice(message));
  subscriber.on('ready', () => on.onReconnect());
  const subscribed = subscriber.subscribe(channel).then(
    () => undefined,
    (err: Error) => on.onSubscribeError(err),
  );
  return { subscriber, subscribed };
}
