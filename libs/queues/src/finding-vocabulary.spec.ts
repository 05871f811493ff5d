import { FINDING_KINDS, findingKindNameSchema, isFindingKind, KIND_INDEX, SEVERITIES } from './finding-vocabulary';

const INHERITED = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

describe('finding vocabulary', () => {
  it('indexes every kind by its position in FINDING_KINDS, and fits the 8 per-side slots of detection', () => {
    FINDING_KINDS.forEach((k, i) => expect(KIND_INDEX[k]).toBe(i));
    expect(Object.keys(KIND_INDEX)).toEqual([...FINDING_KINDS]);
    expect(FINDING_KINDS.length).toBeLessThanOrEqual(8);
    expect(Object.isFrozen(KIND_INDEX)).toBe(true);
  });

  it('knows every kind of FINDING_KINDS', () => {
    for (const k of FINDING_KINDS) expect(isFindingKind(k)).toBe(true);
    expect(isFindingKind('crypto-jacking')).toBe(false);
    expect(isFindingKind('')).toBe(false);
  });

  it.each(INHERITED)('does not take the inherited property name "%s" for a kind', (name) => {
    // `name in KIND_INDEX` is true for most of these; a kind lookup table must not answer them.
    expect(isFindingKind(name)).toBe(false);
  });

  it('accepts kinds added later on the wire, but only kind-shaped names', () => {
    expect(findingKindNameSchema.safeParse('crypto-jacking').success).toBe(true);
    expect(findingKindNameSchema.safeParse('Port Scan').success).toBe(false);
    expect(findingKindNameSchema.safeParse('x'.repeat(65)).success).toBe(false);
  });

  it('orders severities lowest first', () => {
    expect(SEVERITIES).toEqual(['low', 'medium', 'high', 'critical']);
  });
});
