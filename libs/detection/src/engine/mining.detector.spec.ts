import { EngineHarness, MIN, T0, ipAt } from './testing/flow-factory';

const VM = '10.1.0.5';

function stratum(h: EngineHarness, minutes: number, pool = '203.0.113.33', port = 3333, from = 0) {
  for (let m = from; m < from + minutes; m++) {
    h.add({
      t: T0 + m * MIN + 59_000,
      dur: 58_000,
      src: VM,
      dst: pool,
      srcPort: 40404,
      dstPort: port,
      packets: 40,
      bytes: 40 * 180,
      srcVm: 0,
    });
    h.add({
      t: T0 + m * MIN + 59_000,
      dur: 58_000,
      src: pool,
      dst: VM,
      srcPort: port,
      dstPort: 40404,
      packets: 35,
      bytes: 35 * 260,
      dstVm: 0,
    });
  }
}

describe('mining detection (stratum shape)', () => {
  it.each([
    [3, true],
    [2, false],
  ])('one connection with small messages to a stratum port for %i minutes -> %s', (minutes, fires) => {
    const h = new EngineHarness();
    stratum(h, minutes);
    h.finish(T0 + 60 * MIN);
    expect(h.summary()).toEqual(fires ? ['vm-0 source mining/stratum'] : []);
    if (fires) expect(h.of('mining')[0]).toMatchObject({ severity: 'medium', ports: [3333] });
  });

  it('bulk transfers or many different hosts on such a port are something else', () => {
    const bulk = new EngineHarness();
    for (let m = 0; m < 10; m++)
      bulk.add({
        t: T0 + m * MIN + 59_000,
        dur: 58_000,
        src: VM,
        dst: '203.0.113.33',
        srcPort: 40404,
        dstPort: 4444,
        packets: 4000,
        bytes: 4000 * 1400,
        srcVm: 0,
      });
    bulk.finish(T0 + 60 * MIN);
    expect(bulk.summary()).toEqual([]);
    const many = new EngineHarness();
    for (let m = 0; m < 5; m++) for (let x = 0; x < 6; x++) stratum(many, 1, ipAt('203.0.113.40', x), 7777, m);
    many.finish(T0 + 60 * MIN);
    expect(many.summary()).toEqual([]);
  });
});
