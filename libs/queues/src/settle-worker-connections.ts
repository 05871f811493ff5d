import type { Worker } from 'bullmq';

/** ioredis statuses in which a connection is neither usable nor finished: a reconnect is under way. */
const SETTLED = new Set(['ready', 'end', 'wait']);

/**
 * Waits (bounded) until a BullMQ worker's connections are not in the middle of a reconnect.
 * BullMQ 6 can wait forever in Worker.close() when it is called while its blocking connection sits in
 * the reconnect back-off (the 'end' event it waits for never comes) — e.g. a process stopped right
 * after Redis came back. Every processor calls this before close().
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
