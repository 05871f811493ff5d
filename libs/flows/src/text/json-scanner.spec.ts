import { JsonPathTable, JsonScanner, type JsonScannerOptions, type JsonSink } from './json-scanner';

const TABLE = new JsonPathTable('root', {
  root: { object: { items: 'items', version: 'version' } },
  version: 'number',
  items: { array: 'item' },
  item: { object: { name: 'name', tags: 'tags' } },
  name: 'string',
  tags: { array: 'tag' },
  tag: 'string',
});
const id = (n: string) => TABLE.id(n);

/** Records every report as text: `open items`, `string name "x"`, `number version 2`, ... */
class Recorder implements JsonSink {
  readonly events: string[] = [];
  scanner!: JsonScanner;
  private readonly names = new Map(['root', 'version', 'items', 'item', 'name', 'tags', 'tag'].map((n) => [id(n), n]));

  open(node: number): void {
    this.events.push(`open ${this.names.get(node)}`);
  }
  string(node: number, buf: Uint8Array, length: number, overflow: boolean): void {
    const text = Buffer.from(buf.subarray(0, length)).toString('latin1');
    this.events.push(`string ${this.names.get(node)} ${JSON.stringify(text)}${overflow ? ' overflow' : ''}`);
  }
  number(node: number, value: number): void {
    this.events.push(`number ${this.names.get(node)} ${value}`);
  }
  mismatch(node: number): void {
    this.events.push(`mismatch ${this.names.get(node)} at ${this.scanner.path()}`);
  }
  invalidJson(what: string, offset: number): void {
    this.events.push(`invalid ${what} @${offset} at ${this.scanner.path()}`);
  }
}

function scan(
  doc: string | Buffer,
  cuts: number[] = [],
  options: JsonScannerOptions = {},
): { events: string[]; ok: boolean } {
  const buf = typeof doc === 'string' ? Buffer.from(doc) : doc;
  const rec = new Recorder();
  const scanner = (rec.scanner = new JsonScanner(TABLE, rec, options));
  let prev = 0;
  for (const c of [...cuts, buf.length]) {
    scanner.write(buf.subarray(prev, c));
    prev = c;
  }
  const ok = scanner.end();
  return { events: rec.events, ok };
}

describe('JsonPathTable', () => {
  it('numbers the root 1 and the other nodes after it, and keys by first appearance', () => {
    expect(id('root')).toBe(1);
    expect(new Set(['version', 'items', 'item', 'name', 'tags', 'tag'].map(id)).size).toBe(6);
    expect(TABLE.keys.map((k) => Buffer.from(k).toString())).toEqual(['items', 'version', 'name', 'tags']);
    const b = Buffer.from('xxtagsnamesx');
    expect(TABLE.keyId(b, 2, 4)).toBe(4);
    expect(TABLE.keyId(b, 6, 4)).toBe(3);
    expect(TABLE.keyId(b, 6, 5)).toBe(0);
  });

  it('refuses a name it does not hold', () => {
    expect(() => TABLE.id('nope')).toThrow('no node nope');
    expect(() => new JsonPathTable('root', { root: { array: 'missing' } })).toThrow('no node missing');
    expect(() => new JsonPathTable('top', { root: 'string' })).toThrow('no node top');
  });
});

describe('JsonScanner', () => {
  const DOC =
    '{"skip":{"items":[{"name":"no"}]},"version":2,"items":[{"name":"a\\"b\\u0041\\u00e9","tags":["x","y",3],"other":"z"},' +
    '{"name":"c","tags":{}},[],"str",{"name":1.5e3}],"items2":{"name":"q"}}';
  const EXPECTED = [
    'open root',
    'number version 2',
    'open items',
    'open item',
    'string name "a\\"bA\u00ff"',
    'open tags',
    'string tag "x"',
    'string tag "y"',
    'mismatch tag at items[0].tags[2]',
    'open item',
    'string name "c"',
    // [] and "str" are not objects: off the table, only validated
    'open item',
    'mismatch name at items[4].name',
  ];

  it('reports the values on the table only, by their path, with escapes decoded', () => {
    expect(scan(DOC)).toEqual({ events: EXPECTED, ok: true });
    expect(JSON.parse(DOC)).toBeTruthy();
  });

  it('gives the same reports whatever the chunk boundaries (every split, and single bytes)', () => {
    const buf = Buffer.from(DOC);
    for (let c = 1; c < buf.length; c++) expect(scan(buf, [c]).events).toEqual(EXPECTED);
    expect(
      scan(
        buf,
        [...Array(buf.length - 1).keys()].map((k) => k + 1),
      ).events,
    ).toEqual(EXPECTED);
  });

  it('gives a number node its integer value, -1 when it is not a plain non-negative integer', () => {
    for (const [v, want] of [
      ['0', 0],
      ['17', 17],
      ['-3', -1],
      ['2.0', -1],
      ['1e2', -1],
    ] as const) {
      expect(scan(`{"version":${v}}`).events).toEqual(['open root', `number version ${want}`]);
    }
    expect(scan('{"version":"2"}').events).toEqual(['open root', 'mismatch version at version']);
  });

  it('cuts a long string node value and says so', () => {
    const r = scan('{"items":[{"name":"abcdefgh"},{"name":"abcd"}]}', [], { maxStringBytes: 4 });
    expect(r.events.filter((e) => e.startsWith('string'))).toEqual([
      'string name "abcd" overflow',
      'string name "abcd"',
    ]);
  });

  it('reports invalid JSON once, where it is, and ignores the rest', () => {
    const cases: [string, string][] = [
      ['{"items":[{"name":"a"}}', 'invalid mismatched-bracket @22 at items[0]'],
      ['{"version":2} x', 'invalid trailing-data @14 at $'],
      ['{"version":-}', 'invalid bad-number @12 at version'],
      ['{"version":01}', 'invalid expected-comma @12 at version'],
      ['{"items":[tru]}', 'invalid bad-literal @13 at items[0]'],
      ['{"items" 1}', 'invalid expected-colon @9 at items'],
      ['{"a":1 "b":2}', 'invalid expected-comma @7 at a'],
      ['{"a":"\\x"}', 'invalid bad-escape @7 at a'],
      ['{"a":"\\u12g4"}', 'invalid bad-escape @10 at a'],
      ['{"a":"x\ny"}', 'invalid control-character-in-string @7 at a'],
      ['{"items":[', 'invalid unexpected-end @10 at items[0]'],
      ['', 'invalid empty-document @0 at $'],
      ['{1:2}', 'invalid expected-key @1 at $'],
    ];
    for (const [doc, want] of cases) {
      const r = scan(doc);
      expect(r.ok).toBe(false);
      expect(r.events.filter((e) => e.startsWith('invalid'))).toEqual([want]);
      expect(() => JSON.parse(doc)).toThrow();
    }
  });

  it('takes a byte order mark, even split, and refuses a broken one', () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"version":4}')]);
    expect(scan(bom, [1, 2])).toEqual({ events: ['open root', 'number version 4'], ok: true });
    const bad = Buffer.concat([Buffer.from([0xef, 0xbb]), Buffer.from('{}')]);
    expect(scan(bad).events).toEqual(['invalid bad-byte-order-mark @2 at $']);
  });

  it('refuses nesting deeper than maxDepth', () => {
    expect(scan('[[[1]]]', [], { maxDepth: 3 }).ok).toBe(true);
    expect(scan('[[[[1]]]]', [], { maxDepth: 3 }).events).toEqual(['invalid too-deep @3 at [0][0][0]']);
  });

  it('takes a bare number or literal as the whole document', () => {
    expect(scan('42').ok).toBe(true);
    expect(scan(' null ').ok).toBe(true);
    expect(scan('-').ok).toBe(false);
  });
});
