import { StaleWhileRevalidate } from './overview-cache';

describe('StaleWhileRevalidate', () => {
  it('serves the cached value while fresh, then the old value while one refresh runs', async () => {
    let t = 0;
    let loads = 0;
    let release: () => void = () => undefined;
    const c = new StaleWhileRevalidate(
      () => {
        loads++;
        if (loads === 1) return Promise.resolve(1);
        return new Promise<number>((r) => (release = () => r(loads)));
      },
      1000,
      () => t,
    );
    expect((await c.get()).value).toBe(1);
    t = 500;
    expect(await c.get()).toMatchObject({ value: 1, stale: false });
    t = 2000;
    expect(await c.get()).toMatchObject({ value: 1, stale: true });
    expect(await c.get()).toMatchObject({ value: 1, stale: true });
    expect(loads).toBe(2);
    release();
    await new Promise((r) => setImmediate(r));
    expect((await c.get()).value).toBe(2);
  });
});
