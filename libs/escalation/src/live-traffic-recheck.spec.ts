import type { LiveRecheckAnswer } from '@sg/queues';
import { judgeLiveAnswers } from './live-traffic-recheck';

const answer = (over: Partial<LiveRecheckAnswer>): LiveRecheckAnswer => ({
  holds: true,
  present: false,
  responder: 'collector-1:42',
  figures: { reason: 'x', flows: 10 },
  ...over,
});

describe('judging the live re-check answers', () => {
  it('any process that sees the pattern settles it, even when another did not answer in time', () => {
    const r = judgeLiveAnswers(
      {
        listeners: 3,
        answers: [answer({ holds: false }), answer({ present: true, responder: 'c2:7' })],
        timedOut: true,
      },
      5000,
    );
    expect(r).toEqual({
      stillActive: true,
      figures: { reason: 'x', flows: 10, path: 'live', responder: 'c2:7', answered: 2, listeners: 3 },
    });
  });

  it('all answered and one holds the VM side without the pattern: stopped, from the live state', () => {
    const r = judgeLiveAnswers(
      { listeners: 2, answers: [answer({ holds: false }), answer({})], timedOut: false },
      5000,
    );
    expect(r).toMatchObject({ stillActive: false, figures: { path: 'live', responder: 'collector-1:42' } });
  });

  it.each([
    [{ listeners: 0, answers: [], timedOut: false }, 'no detection process is listening for re-checks'],
    [{ listeners: 2, answers: [], timedOut: true }, '0 of 2 detection process(es) answered within 5000 ms'],
    [
      { listeners: 2, answers: [answer({})], timedOut: true },
      '1 of 2 detection process(es) answered within 5000 ms, none saw the pattern',
    ],
    [
      { listeners: 2, answers: [answer({ holds: false }), answer({ holds: false })], timedOut: false },
      'none of the 2 detection process(es) holds live traffic of this VM side (restarted, or idle)',
    ],
  ])('falls back on the evidence, saying why (%#)', (live, reason) => {
    expect(judgeLiveAnswers(live, 5000)).toEqual({ fallbackReason: reason });
  });
});
