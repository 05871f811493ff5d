import type { QueueService } from '@sg/queues';
import type { Finding } from '../engine/finding';
import { FindingsPublisher } from './findings-publisher';

/** A finding update as the engine sends it (only what the publisher reads matters here). */
function update(id: string, updates: number, rule: string, observed: number, ports: number[], flows: number): Finding {
  return {
    id,
    updates,
    status: 'active',
    rule: { name: rule, threshold: 10, observed, window: '5m', description: '' },
    ports,
    counts: { flows, packets: flows, bytes: flows * 40, distinctPeers: 1, distinctPorts: ports.length },
  } as unknown as Finding;
}

describe('FindingsPublisher', () => {
  it('keeps, while Redis is away, every rule, its largest figure and every port of the updates it merges', async () => {
    let up = false;
    const sent: Finding[] = [];
    const queues = {
      enqueueBulk: async (jobs: { data: { finding: Finding } }[]) => {
        if (!up) throw new Error('connection refused');
        for (const j of jobs) sent.push(j.data.finding);
      },
    } as unknown as QueueService;
    const p = new FindingsPublisher(queues);
    // 25,000 updates of 5,000 findings (past the 20,000 that start the merging); finding f-0
    // peaks at 900 in its 2nd update, and its 3rd is under another rule.
    for (let u = 1; u <= 5; u++)
      for (let k = 0; k < 5_000; k++) {
        const peak = k === 0 && u === 2 ? 900 : 100 + u;
        const rule = k === 0 && u === 3 ? 'flood.peer-syn' : 'flood.host-syn';
        p.publish(update(`f-${k}`, u, rule, peak, [1000 + u], u * 10));
      }
    await p.flush();
    expect(p.backlog).toBeLessThan(25_000);
    up = true;
    await p.flush();
    expect(p.backlog).toBe(0);
    const f0 = sent.filter((f) => f.id === 'f-0');
    // Before: only f-0's 5th update was left (observed 105, ports [1005], no flood.peer-syn).
    expect(f0.map((f) => f.rule.name)).toEqual(['flood.peer-syn', 'flood.host-syn']);
    expect(Math.max(...f0.map((f) => f.rule.observed))).toBe(900);
    expect([...new Set(f0.flatMap((f) => f.ports))].sort()).toEqual([1001, 1002, 1003, 1004, 1005]);
    // The newest update of a finding still comes last, with its cumulative counts.
    expect(f0.at(-1)!.counts.flows).toBe(50);
    expect(new Set(sent.map((f) => f.id)).size).toBe(5_000);
  });
});
