import type { Logger } from '@nestjs/common';
import type { Worker } from 'bullmq';

/** ioredis statuses in which a connection is neither usable nor finished: a reconnect is under way. */
const SETTLED = new Set(['ready', 'end', 'wait']);

/**
 * Waits (bounded) until a BullMQ worker's connections are not in the middle of a reconnect.
 * BullMQ 6 can wait forever in Worker.close() when it is called while its blocking connection sits in
 * the reconnect back-off (the 'end' event it waits for never comes) — e.g. a process stopped right
 * after Redis came back.
 */
export async function settleWorkerConnections(worker: Worker, timeoutMs: number): Promise<void> {
  const backend = worker.backend as unknown as {
    client?: Promise<{ status: string }>;
    blockingClient?: Promise<{ status: string }>;
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const clients = await Promise.all(
      [backend.client, backend.blockingClient].map((p) => (p ? p.catch(() => null) : null)),
    );
    if (clients.every((c) => !c || SETTLED.has(c.status)) || Date.now() >= deadline) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Closes a worker (letting its jobs in flight finish, bounded by graceMs) from
 * beforeApplicationShutdown, which Nest runs for every module before any onApplicationShutdown.
 * Why then: on a Redis Cluster a worker's main connection is its queue's cluster connection, and
 * the queue disconnects it in onApplicationShutdown (forceDisconnectOnShutdown). When that ran
 * while @nestjs/bullmq was still closing the worker (both are onApplicationShutdown hooks, run
 * side by side), a command of the worker's main loop never settled on the closed cluster and
 * close() waited forever (seen in about half of the runs of the mail reply test on a cluster).
 * Closing first leaves nothing of the worker running when the connections go. Returns whether the
 * worker closed within graceMs; a job still running then is taken over by another worker once its
 * lock expires.
 */
export async function closeWorkerBeforeQueues(
  worker: Worker | undefined | null,
  graceMs: number,
  logger: Logger,
): Promise<boolean> {
  if (!worker) return true;
  await settleWorkerConnections(worker, Math.min(5000, graceMs));
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    worker.close().then(
      () => true,
      () => true,
    ),
    new Promise<false>((r) => {
      timer = setTimeout(() => r(false), graceMs);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
  if (!closed)
    logger.warn(
      `${worker.name} worker did not close within ${graceMs} ms; its job is taken over when its lock expires`,
    );
  return closed;
}

/** How long shutdown lets a worker's jobs in flight run before it stops waiting for them. */
export const WORKER_CLOSE_GRACE_MS = 10_000;
