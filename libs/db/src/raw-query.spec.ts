import { rawQuery } from './raw-query';

const runner = (answer: unknown) => ({ query: jest.fn(async () => answer) });

describe('rawQuery', () => {
  it('returns the rows of a SELECT as they are', async () => {
    const r = runner([{ id: 'a' }, { id: 'b' }]);
    expect(await rawQuery<{ id: string }>(r, 'SELECT id FROM t WHERE x = $1', [1])).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(r.query).toHaveBeenCalledWith('SELECT id FROM t WHERE x = $1', [1]);
  });

  it('unwraps the [rows, rowCount] pair TypeORM answers an UPDATE ... RETURNING with', async () => {
    expect(await rawQuery(runner([[{ id: 'a' }], 1]), 'UPDATE t SET x = 1 RETURNING id')).toEqual([{ id: 'a' }]);
    expect(await rawQuery(runner([[], 0]), 'DELETE FROM t')).toEqual([]);
  });

  it('keeps a two-row SELECT whose rows are objects', async () => {
    expect(await rawQuery(runner([{ n: 1 }, { n: 2 }]), 'SELECT n FROM t')).toEqual([{ n: 1 }, { n: 2 }]);
  });
});
