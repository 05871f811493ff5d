import { SchedulerRegistry } from '@nestjs/schedule';
import { IntervalTick } from './interval-tick';

class CountingTick extends IntervalTick {
  runs = 0;
  release: (() => void) | null = null;
  fail = false;

  constructor(registry: SchedulerRegistry) {
    super(registry, 'counting-tick', 60_000);
  }

  protected run(): Promise<void> {
    this.runs++;
    if (this.fail) return Promise.reject(new Error('down'));
    return new Promise((r) => (this.release = r));
  }
}

describe('IntervalTick', () => {
  it('runs at start, skips a tick while one runs, survives a failure and stops at shutdown', async () => {
    const registry = new SchedulerRegistry();
    const t = new CountingTick(registry);
    t.onApplicationBootstrap();
    expect(t.runs).toBe(1);
    expect(registry.doesExist('interval', 'counting-tick')).toBe(true);
    const overlapping = t.tick();
    expect(t.runs).toBe(1); // the running one is returned, not a second run
    t.release!();
    await overlapping;
    t.fail = true;
    await expect(t.tick()).resolves.toBeUndefined(); // logged, not thrown
    expect(t.runs).toBe(2);
    t.fail = false;
    void t.tick(); // in flight at shutdown: waited for at most 5 s
    const started = Date.now();
    setTimeout(() => t.release!(), 50);
    await t.onApplicationShutdown();
    expect(Date.now() - started).toBeLessThan(4000);
    expect(registry.doesExist('interval', 'counting-tick')).toBe(false);
  });
});
