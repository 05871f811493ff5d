import { activityLabel } from './activity-label';

describe('activityLabel', () => {
  it('names known kinds and their activity', () => {
    expect(activityLabel.kind('port-scan')).toBe('port scan');
    expect(activityLabel.activity('mining', 'source')).toBe('connecting to cryptocurrency mining pools');
  });

  it.each(['crypto-jacking', 'constructor', '__proto__', 'toString'])(
    'shows the unknown kind "%s" as written',
    (kind) => {
      expect(activityLabel.kind(kind)).toBe(kind);
      expect(activityLabel.activity(kind, 'source')).toBe(`showing "${kind}" activity`);
      expect(activityLabel.activity(kind, 'target')).toBe(`the target of "${kind}" activity`);
    },
  );
});
