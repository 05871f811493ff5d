import type { FindingDocument } from '@sg/queues';
import type { IngestSummary, OpenCaseService } from '../domain/open-case.service';
import { FindingsBatcher } from './findings-batcher.service';

const summary = (n: number): IngestSummary => ({
  opened: n,
  reopened: 0,
  merged: 0,
  recorded: 0,
  suppressed: 0,
  unchanged: 0,
});
const doc = (i: number) => ({ id: `f-${i}` }) as unknown as FindingDocument;

/** An OpenCaseService stand-in that records each ingest call and fails any batch holding `bad`. */
function fakeCases(bad?: string) {
  const calls: string[][] = [];
  const cases = {
    ingest: (docs: FindingDocument[]) => {
      calls.push(docs.map((d) => d.id));
      return docs.some((d) => d.id === bad)
        ? Promise.reject(new Error('db down'))
        : Promise.resolve(summary(docs.length));
    },
  } as unknown as OpenCaseService;
  return { calls, cases };
}

describe('FindingsBatcher', () => {
  it('puts findings that arrive together into one ingest, at most 500, the rest after 5 ms', async () => {
    const { calls, cases } = fakeCases();
    const b = new FindingsBatcher(cases);
    const all = Array.from({ length: 501 }, (_, i) => b.add(doc(i)));
    expect(calls.map((c) => c.length)).toEqual([500]);
    await new Promise((r) => setTimeout(r, 20));
    expect(calls.map((c) => c.length)).toEqual([500, 1]);
    const results = await Promise.all(all);
    expect(results[0].opened).toBe(500);
    expect(results[500].opened).toBe(1);
  });

  it('retries a failed batch finding by finding: only the bad one fails', async () => {
    const { calls, cases } = fakeCases('f-2');
    const b = new FindingsBatcher(cases);
    const settled = await Promise.allSettled([0, 1, 2, 3].map((i) => b.add(doc(i))));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(calls).toEqual([['f-0', 'f-1', 'f-2', 'f-3'], ['f-0'], ['f-1'], ['f-2'], ['f-3']]);
  });
});
