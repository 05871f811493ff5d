import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  listenForChanges,
  onChannelMessage,
  publishChannel,
  subscribeChannel,
  unsubscribeChannel,
} from './change-notices';
import { findingKindNameSchema, findingRoleSchema } from './finding-vocabulary';
import { createRedisClient, type RedisClient, type RedisTarget } from './redis.module';

/**
 * The live re-check before a shutdown, across processes, over Redis pub/sub: the worker publishes
 * a request on `<QUEUE_PREFIX>:detection:recheck`; every process that runs detection is
 * subscribed and answers on the request's own reply channel with what its live windows show.
 * PUBLISH returns how many processes received the request, so the asker knows how many answers to
 * wait for (on a Redis Cluster the channels are sharded, SPUBLISH/SSUBSCRIBE, so that count is the
 * cluster's, not one node's). Nothing is stored: a request nobody answers in time is simply not
 * answered.
 */
export const liveRecheckChannel = (queuePrefix: string): string => `${queuePrefix}:detection:recheck`;

const replyChannel = (queuePrefix: string, id: string): string => `${liveRecheckChannel(queuePrefix)}:reply:${id}`;

const figureValue = z.union([z.number(), z.string()]);

export const liveRecheckRequestSchema = z.object({
  id: z.string().min(1).max(100),
  replyTo: z.string().min(1).max(300),
  vmId: z.string().min(1).max(200),
  role: findingRoleSchema,
  kind: findingKindNameSchema,
  /** Exactly RECHECK_WINDOW. */
  windowMs: z.number().int().positive(),
});
export type LiveRecheckRequest = z.infer<typeof liveRecheckRequestSchema>;

export const liveRecheckAnswerSchema = z.object({
  /** Whether this process holds live traffic of the VM side at all (false: its answer says nothing). */
  holds: z.boolean(),
  /** Whether the pattern is present in this process's live state for the VM side and kind. */
  present: z.boolean(),
  /** Which process answered (host:pid), for the timeline. */
  responder: z.string().max(200),
  figures: z.record(z.string(), figureValue),
});
export type LiveRecheckAnswer = z.infer<typeof liveRecheckAnswerSchema>;

const replySchema = z.object({ id: z.string(), answer: liveRecheckAnswerSchema });

export interface LiveRecheckOutcome {
  /** How many detection processes received the request (PUBLISH's count). */
  listeners: number;
  answers: LiveRecheckAnswer[];
  /** Fewer answers than listeners arrived within the time-out. */
  timedOut: boolean;
}

/**
 * The asking side (the worker). One subscriber connection, made at the first request, carries the
 * replies of every request in flight; `publisher` is an ordinary client (it fails fast when Redis
 * is down, and then so does `ask`).
 */
export class LiveRecheckClient {
  private subscriber: RedisClient | null = null;
  private readonly waiting = new Map<string, (message: string) => void>();

  constructor(
    private readonly target: RedisTarget,
    private readonly queuePrefix: string,
    private readonly publisher: RedisClient,
  ) {}

  /** Asks every detection process; resolves with the answers that came within `timeoutMs`. */
  async ask(q: Omit<LiveRecheckRequest, 'id' | 'replyTo'>, timeoutMs: number): Promise<LiveRecheckOutcome> {
    const id = randomUUID();
    const replyTo = replyChannel(this.queuePrefix, id);
    const answers: LiveRecheckAnswer[] = [];
    let listeners = -1;
    let done: () => void = () => undefined;
    const complete = new Promise<void>((resolve) => (done = resolve));
    this.waiting.set(replyTo, (message) => {
      const r = replySchema.safeParse(safeJson(message));
      if (!r.success || r.data.id !== id) return;
      answers.push(r.data.answer);
      if (listeners >= 0 && answers.length >= listeners) done();
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      timer.unref();
    });
    try {
      const sub = this.connect();
      // Subscribed before the request goes out, so no answer can come before anyone listens for it.
      if ((await Promise.race([subscribeChannel(sub, replyTo), timeout])) === 'timeout')
        throw new Error(`could not subscribe to the reply channel within ${timeoutMs} ms`);
      const request: LiveRecheckRequest = { ...q, id, replyTo };
      listeners = await publishChannel(this.publisher, liveRecheckChannel(this.queuePrefix), JSON.stringify(request));
      if (answers.length >= listeners) done();
      const timedOut = (await Promise.race([complete, timeout])) === 'timeout';
      return { listeners, answers: [...answers], timedOut };
    } finally {
      clearTimeout(timer);
      this.waiting.delete(replyTo);
      if (this.subscriber) unsubscribeChannel(this.subscriber, replyTo).catch(() => undefined);
    }
  }

  close(): void {
    this.subscriber?.disconnect();
    this.subscriber = null;
  }

  private connect(): RedisClient {
    if (this.subscriber) return this.subscriber;
    const sub = createRedisClient(this.target, 'safeguards-recheck-replies', true, true);
    sub.on('error', () => undefined);
    onChannelMessage(sub, (channel, message) => this.waiting.get(channel)?.(message));
    this.subscriber = sub;
    return sub;
  }
}

/**
 * The answering side (every process that runs detection): subscribes to the request channel and
 * publishes `answer(request)` on the request's reply channel. A request that does not parse, or
 * whose answer throws, gets no reply (the asker times out and says so). Disconnect `subscriber`
 * on shutdown.
 */
export function answerLiveRechecks(
  target: RedisTarget,
  queuePrefix: string,
  publisher: RedisClient,
  answer: (request: LiveRecheckRequest) => Promise<LiveRecheckAnswer>,
  onError: (err: Error) => void,
): { subscriber: RedisClient; subscribed: Promise<void> } {
  const prefix = `${liveRecheckChannel(queuePrefix)}:reply:`;
  return listenForChanges(
    target,
    'safeguards-recheck-requests',
    liveRecheckChannel(queuePrefix),
    {
      onNotice: (message) => {
        const r = liveRecheckRequestSchema.safeParse(safeJson(message));
        // Replies go only to this installation's reply channels.
        if (!r.success || !r.data.replyTo.startsWith(prefix)) return onError(new Error('malformed re-check request'));
        const q = r.data;
        answer(q)
          .then((a) => publishChannel(publisher, q.replyTo, JSON.stringify({ id: q.id, answer: a })))
          .catch((err: Error) => onError(err));
      },
      onReconnect: () => undefined,
      onSubscribeError: onError,
    },
    true,
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
