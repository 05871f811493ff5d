import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { QueueName } from './job-catalogue';

const ROOT = join(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [p] : [];
  });
}

/** The queue an argument names: `QueueName.X` or a string literal; null for anything else. */
function queueOf(arg: string): string | null {
  const byConst = /^QueueName\.(\w+)$/.exec(arg);
  if (byConst) return Object.hasOwn(QueueName, byConst[1]) ? QueueName[byConst[1] as keyof typeof QueueName] : null;
  const literal = /^'([^']+)'$/.exec(arg);
  return literal ? literal[1] : null;
}

interface Found {
  file: string;
  queue: string | null;
  arg: string;
  source: string;
}

/** Every BullMQ processor in apps/ and libs/: `@Processor(queue, ...)` or `new Worker(queue, ...)` of bullmq. */
function processors(): Found[] {
  const out: Found[] = [];
  for (const file of [...sources(join(ROOT, 'apps')), ...sources(join(ROOT, 'libs'))]) {
    const source = readFileSync(file, 'utf8');
    const rel = relative(ROOT, file);
    for (const m of source.matchAll(/@Processor\(\s*([^,)]+?)\s*[,)]/g))
      out.push({ file: rel, queue: queueOf(m[1]), arg: m[1], source });
    // node:worker_threads has a Worker too: only bullmq's counts.
    if (!/import\s*\{[^}]*\bWorker\b[^}]*\}\s*from\s*'bullmq'/.test(source)) continue;
    for (const m of source.matchAll(/new Worker\(\s*([^,)]+?)\s*[,)]/g))
      out.push({ file: rel, queue: queueOf(m[1]), arg: m[1], source });
  }
  return out;
}

describe('queue processors', () => {
  const found = processors();

  it('finds the processors (the scan itself works)', () => {
    expect(found.length).toBeGreaterThanOrEqual(Object.values(QueueName).length);
  });

  it('names every processed queue through QueueName, and only catalogue queues', () => {
    const queues = new Set<string>(Object.values(QueueName));
    const bad = found.filter((p) => !p.arg.startsWith('QueueName.') || !p.queue || !queues.has(p.queue));
    expect(bad.map((p) => `${p.file}: ${p.arg}`)).toEqual([]);
  });

  it.each(Object.values(QueueName))('has exactly one processor for the %s queue', (queue) => {
    expect(found.filter((p) => p.queue === queue).map((p) => p.file)).toHaveLength(1);
  });

  it('parses every job with parseJob against its own queue, with no schema of its own', () => {
    const problems: string[] = [];
    for (const p of found) {
      if (!p.source.includes(`parseJob(${p.arg},`)) problems.push(`${p.file}: does not call parseJob(${p.arg}, job)`);
      if (/from 'zod'/.test(p.source)) problems.push(`${p.file}: declares its own zod schema`);
    }
    expect(problems).toEqual([]);
  });

  // A worker still closing when its queue's cluster connection is disconnected can wait forever
  // (closeWorkerBeforeQueues): each one is closed in beforeApplicationShutdown, before any queue.
  it('closes every worker in beforeApplicationShutdown, before the queues disconnect', () => {
    const problems = found
      .filter(
        (p) =>
          !/async beforeApplicationShutdown\(\)[^{]*\{\s*await closeWorkerBeforeQueues\(this\.worker,/.test(p.source),
      )
      .map((p) => p.file);
    expect(problems).toEqual([]);
  });
});
