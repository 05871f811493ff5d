import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DecodeStats } from '../decode-stats';
import { FlowBatch } from '../flow-batch';
import { FlowRecord, toFlowRecord } from '../flow-record';
import { AzureFlowLogParser, AzureFlowLogParserOptions, AzureIngestResult } from './azure-flow-log.parser';

const SCENARIOS = '/work/shared/scenarios/nsg';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomCuts(len: number, r: () => number, maxPiece: number): number[] {
  const cuts: number[] = [];
  let p = 0;
  while (true) {
    p += 1 + Math.floor(r() * maxPiece);
    if (p >= len) return cuts;
    cuts.push(p);
  }
}

interface Run {
  result: AzureIngestResult;
  records: FlowRecord[];
}

function run(input: Buffer | string, cuts: number[] = [], options: AzureFlowLogParserOptions = {}): Run {
  const buf = typeof input === 'string' ? Buffer.from(input) : input;
  const records: FlowRecord[] = [];
  const batch = new FlowBatch(64, (b) => {
    for (let i = 0; i < b.length; i++) records.push(toFlowRecord(b, i));
  });
  const parser = new AzureFlowLogParser(batch, options);
  let prev = 0;
  for (const c of [...cuts, buf.length]) {
    parser.write(buf.subarray(prev, c));
    prev = c;
  }
  return { result: parser.end(), records };
}

function nsgDoc(tuples: string[][], version: unknown = 2): string {
  return JSON.stringify({
    records: [
      {
        time: '2024-05-01T10:06:00.9095438Z',
        category: 'NetworkSecurityGroupFlowEvent',
        properties: {
          Version: version,
          flows: tuples.map((t, k) => ({ rule: `Rule${k}`, flows: [{ mac: '000D3A89E489', flowTuples: t }] })),
        },
      },
    ],
  });
}

/** Microsoft's documented VNet flow log v4 example, trimmed. */
const VNET_DOC = JSON.stringify({
  records: [
    {
      time: '2022-09-14T09:00:52.5625085Z',
      flowLogVersion: 4,
      flowLogGUID: '66aa66aa-bb77-cc88-dd99-00ee00ee00ee',
      macAddress: '112233445566',
      category: 'FlowLogFlowEvent',
      flowLogResourceID: '/SUBSCRIPTIONS/X/FLOWLOGS/VNETFLOWLOG',
      targetResourceID: '/subscriptions/x/virtualNetworks/myVNet',
      operationName: 'FlowLogFlowEvent',
      flowRecords: {
        flows: [
          {
            aclID: '00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
            flowGroups: [
              {
                rule: 'DefaultRule_AllowInternetOutBound',
                flowTuples: [
                  '1663146003599,10.0.0.6,192.0.2.180,23956,443,6,O,B,NX,0,0,0,0',
                  '1663146003606,10.0.0.6,192.0.2.180,23956,443,6,O,E,NX,3,767,2,1580',
                  '1663146003637,10.0.0.6,203.0.113.17,22730,443,6,O,B,NX,0,0,0,0',
                ],
              },
              {
                rule: 'DefaultRule_DenyAllInBound',
                flowTuples: ['1663146004000,198.51.100.9,10.0.0.6,4444,3389,6,I,D,NX,1,60,0,0'],
              },
            ],
          },
        ],
      },
    },
  ],
});

/** An independent reading (JSON.parse + split) of an NSG v2 document, to check the parser against. */
function reference(doc: string): Partial<FlowRecord>[] {
  const out: Partial<FlowRecord>[] = [];
  const parsed = JSON.parse(doc) as {
    records: { properties: { flows: { flows: { flowTuples: string[] }[] }[] } }[];
  };
  for (const rec of parsed.records) {
    for (const rule of rec.properties.flows) {
      for (const f of rule.flows) {
        for (const t of f.flowTuples) {
          const [time, src, dst, sp, dp, pr, , ad, st, p1, b1, p2, b2] = t.split(',');
          const when = new Date(Number(time) * 1000).toISOString();
          const action: FlowRecord['action'] = ad === 'A' ? 'allow' : 'deny';
          const base = { start: when, end: when, protocol: pr === 'T' ? 6 : 17, action };
          // Begin tuples without counters: allowed ones give no record, denied ones one packet.
          const begin = st === 'B' && !(+p1 > 0) && !(+p2 > 0);
          if (begin && action === 'allow') continue;
          const packets = begin ? 1 : +p1 || 0;
          out.push({ ...base, src, dst, srcPort: +sp, dstPort: +dp, packets, bytes: +b1 || 0 });
          if (+p2 > 0 || +b2 > 0) {
            out.push({ ...base, src: dst, dst: src, srcPort: +dp, dstPort: +sp, packets: +p2, bytes: +b2 });
          }
        }
      }
    }
  }
  return out;
}

/** Compares field by field, with one expect per mismatch (not per record) so big files stay fast. */
function expectSameRecords(records: FlowRecord[], ref: Partial<FlowRecord>[]): void {
  const keys = Object.keys(ref[0] ?? {}) as (keyof FlowRecord)[];
  const bad = records.findIndex((r, k) => keys.some((key) => r[key] !== ref[k][key]));
  if (bad >= 0) expect(records[bad]).toMatchObject(ref[bad]);
}

describe('AzureFlowLogParser', () => {
  it('reads the documented NSG v2 tuple as a forward and a reverse record', () => {
    const { result, records } = run(
      nsgDoc([['1542110379,10.5.16.4,203.0.113.115,44931,443,T,O,A,C,30,16978,24,14008']]),
    );
    expect(result).toEqual({ accepted: 1, rejected: 0, errors: [], records: 2 });
    const common = { start: '2018-11-13T11:59:39.000Z', end: '2018-11-13T11:59:39.000Z', protocol: 6, action: 'allow' };
    expect(records[0]).toMatchObject({
      ...common,
      src: '10.5.16.4',
      dst: '203.0.113.115',
      srcPort: 44931,
      dstPort: 443,
    });
    expect(records[0]).toMatchObject({ packets: 30, bytes: 16978, source: 'azure-nsg', tcpFlags: null, sampling: 1 });
    expect(records[1]).toMatchObject({
      ...common,
      src: '203.0.113.115',
      dst: '10.5.16.4',
      srcPort: 443,
      dstPort: 44931,
    });
    expect(records[1]).toMatchObject({ packets: 24, bytes: 14008 });
  });

  it('skips allowed begin tuples, gives a denied one a one-packet record, and reads version 1 tuples', () => {
    const v2 = run(
      nsgDoc([
        [
          '1714557900,10.0.0.4,105.35.106.214,41375,22,T,O,A,B,,,,',
          '1714560600,11.209.143.207,10.0.0.12,5,10,U,I,D,B,,,,',
        ],
      ]),
    );
    expect(v2.result).toMatchObject({ accepted: 2, rejected: 0, errors: [] });
    expect(v2.records.map((r) => [r.packets, r.bytes, r.action, r.protocol])).toEqual([[1, 0, 'deny', 17]]);
    const v1 = run(nsgDoc([['1542110379,10.5.16.4,203.0.113.115,44931,443,T,O,D']], 1));
    expect(v1.result.errors).toEqual([]);
    expect(v1.records[0]).toMatchObject({ src: '10.5.16.4', action: 'deny', packets: 0 });
  });

  it('reads VNet flow log v4: millisecond times, protocol numbers, D = denied', () => {
    const { result, records } = run(VNET_DOC);
    expect(result).toEqual({ accepted: 4, rejected: 0, errors: [], records: 3 });
    expect(
      records.map((r) => [r.start, r.src, r.dst, r.srcPort, r.dstPort, r.protocol, r.action, r.packets, r.bytes]),
    ).toEqual([
      ['2022-09-14T09:00:03.606Z', '10.0.0.6', '192.0.2.180', 23956, 443, 6, 'allow', 3, 767],
      ['2022-09-14T09:00:03.606Z', '192.0.2.180', '10.0.0.6', 443, 23956, 6, 'allow', 2, 1580],
      ['2022-09-14T09:00:04.000Z', '198.51.100.9', '10.0.0.6', 4444, 3389, 6, 'deny', 1, 60],
    ]);
    expect(records[0].source).toBe('azure-vnet');
  });

  it('reads IPv6 tuples', () => {
    const { result, records } = run(nsgDoc([['1542110379,2001:db8::4,2001:db8:1::9,44931,443,T,O,A,E,3,300,2,200']]));
    expect(result.errors).toEqual([]);
    expect(records.map((r) => [r.src, r.dst])).toEqual([
      ['2001:db8::4', '2001:db8:1::9'],
      ['2001:db8:1::9', '2001:db8::4'],
    ]);
  });

  it('parses every shared NSG scenario file with no error, matching an independent reading', () => {
    const files = readdirSync(SCENARIOS).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readFileSync(join(SCENARIOS, f), 'utf8');
      const ref = reference(text);
      const tuples = (text.match(/"\d+,[^"]*"/g) ?? []).length;
      const { result, records } = run(Buffer.from(text), randomCuts(text.length, rng(f.length), 65536));
      expect({ f, errors: result.errors }).toEqual({ f, errors: [] });
      expect(result).toMatchObject({ accepted: tuples, rejected: 0, records: ref.length });
      expect(records.length).toBe(ref.length);
      expectSameRecords(records, ref);
    }
  });

  it('reports a malformed tuple by its index path and goes on', () => {
    const doc = JSON.stringify({
      records: [
        { properties: { Version: 2, flows: [] } },
        {
          properties: {
            Version: 2,
            flows: [
              {
                rule: 'r',
                flows: [
                  { mac: 'm', flowTuples: ['1542110379,10.5.16.4,203.0.113.115,44931,443,T,O,A,E,1,2,0,0'] },
                  {
                    mac: 'm',
                    flowTuples: [
                      '1542110379,10.5.16.4,203.0.113.115,44931,443,T,O,A,E,1,2,0,0',
                      '1542110379,10.5.16.4,203.0.113.115,44931,443,X,O,A,E,1,2,0,0',
                      '1542110379,10.5.16.4,203.0.113.115,44931,443,T,O,A',
                      'not,a,tuple',
                      42,
                      '1542110379,10.5.16.4,203.0.113.115,44931,99999,T,O,A,E,1,2,0,0',
                      '1542110379,10.5.16.4,999.0.113.115,44931,443,T,O,A,E,1,2,0,0',
                      '1542110379,10.5.16.4,203.0.113.115,44931,443,T,O,A,E,1,2,-1,0',
                      '1542110379,10.5.16.4,2001:db8::1,44931,443,T,O,A,E,1,2,0,0',
                      '1542110379,10.5.16.4,203.0.113.115,44931,443,T,O,A,Z,1,2,0,0',
                      '1542110379,10.5.16.4,203.0.113.115,44931,443,T,O,A,E,1,2,0,0',
                    ],
                  },
                ],
              },
            ],
          },
        },
      ],
    });
    const { result, records } = run(doc);
    const at = (k: number): string => `records[1].properties.flows[0].flows[1].flowTuples[${k}]`;
    expect(result.errors).toEqual([
      { index: at(1), reason: 'bad-protocol' },
      { index: at(2), reason: 'bad-field-count' },
      { index: at(3), reason: 'bad-field-count' },
      { index: at(4), reason: 'not-a-string' },
      { index: at(5), reason: 'bad-dstport' },
      { index: at(6), reason: 'bad-dstaddr' },
      { index: at(7), reason: 'bad-counter' },
      { index: at(8), reason: 'mixed-address-families' },
      { index: at(9), reason: 'bad-state' },
    ]);
    expect(result).toMatchObject({ accepted: 3, rejected: 9, records: 3 });
    expect(records).toHaveLength(3);
  });

  it('refuses tuples of a version it does not know', () => {
    const nsg = run(nsgDoc([['1542110379,10.5.16.4,203.0.113.115,44931,443,T,O,A,E,1,2,0,0']], 3));
    expect(nsg.result.errors).toEqual([
      { index: 'records[0].properties.flows[0].flows[0].flowTuples[0]', reason: 'unsupported-version' },
    ]);
    const vnet = run(VNET_DOC.replace('"flowLogVersion":4', '"flowLogVersion":5'));
    expect(vnet.result).toMatchObject({ accepted: 0, rejected: 4 });
    expect(vnet.result.errors[0].reason).toBe('unsupported-version');
  });

  it('stops at invalid JSON with one error, keeping the records already written', () => {
    const doc = nsgDoc([
      [
        '1542110379,10.5.16.4,203.0.113.115,44931,443,T,O,A,E,1,2,0,0',
        '1542110379,10.5.16.4,203.0.113.115,44931,443,T,O,A,E,1,2,0,0',
      ],
    ]);
    const broken = doc.replace('"flowTuples":["1542110379,10.5.16.4,203.0.113.115,44931,443,T,O,A,E,1,2,0,0",', '$&}');
    const { result, records } = run(broken);
    expect(records).toHaveLength(1);
    expect(result.accepted).toBe(1);
    expect(result.rejected).toBe(1);
    expect(result.errors).toEqual([
      {
        index: 'records[0].properties.flows[0].flows[0].flowTuples[1]',
        reason: 'invalid-json: unexpected-character',
        offset: broken.indexOf('}', broken.indexOf('flowTuples')),
      },
    ]);
    const cut = run(doc.slice(0, doc.length - 8));
    expect(cut.result.errors.map((e) => e.reason)).toEqual(['invalid-json: unexpected-end']);
    expect(cut.result.accepted).toBe(2);
    expect(run('').result.errors.map((e) => e.reason)).toEqual(['invalid-json: empty-document']);
    expect(run('{"x": 1}').result.errors).toEqual([{ index: 'records', reason: 'no-records' }]);
    expect(run(`${doc} {}`).result.errors.map((e) => e.reason)).toEqual(['invalid-json: trailing-data']);
  });

  it('decodes escapes and a byte order mark, and ignores unknown members of any shape', () => {
    const doc =
      '\ufeff{"extra":[1,-2.5e+3,true,false,null,{"a":"\\u00e9\\n"}],"records":[{"properties":{"Version":2,' +
      '"flows":[{"flows":[{"flowTuples":["1542110379,10.5.16.4,203.0.113.115,\\u0034\\u0034931,443,T,O,A,E,1,2,0,0"],' +
      '"other":{"flowTuples":["junk"]}}]}]},"flowRecords":null}]}';
    const { result, records } = run(doc);
    expect(result.errors).toEqual([]);
    expect(records[0].srcPort).toBe(44931);
  });

  it('refuses an over-long tuple and too deep a document', () => {
    const { result } = run(nsgDoc([[`1542110379,${'1'.repeat(5000)}`]]));
    expect(result.errors.map((e) => e.reason)).toEqual(['tuple-too-long']);
    const deep = `{"records":${'['.repeat(100)}${']'.repeat(100)}}`;
    expect(run(deep).result.errors.map((e) => e.reason)).toEqual(['invalid-json: too-deep']);
  });

  it('keeps at most maxErrors details but counts every rejection', () => {
    const stats = new DecodeStats();
    const { result } = run(nsgDoc([Array.from({ length: 500 }, () => 'bad')]), [], { maxErrors: 10, stats });
    expect(result.rejected).toBe(500);
    expect(result.errors).toHaveLength(10);
    expect(stats.rejected.get('bad-field-count')).toBe(500);
  });

  it('gives the same result whatever the chunk boundaries (seeded random splits)', () => {
    const text = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(
        readFileSync(join(SCENARIOS, 'b03_admin_misc.json'), 'utf8').replace(
          '"flowTuples": [',
          '"flowTuples": ["bad,tuple", "1714557600,10.0.0.22,2001:db8::1,1,2,U,O,A,E,1,2,3,4", "\\u0031714557600,10.0.0.22,169.254.169.123,123,123,U,O,A,E,1,76,1,76", ',
        ),
      ),
      Buffer.from(' \n\t garbage'),
    ]);
    const whole = JSON.stringify(run(text));
    expect(whole).toContain('trailing-data');
    const r = rng(7);
    for (let k = 0; k < 30; k++) {
      const maxPiece = [1, 2, 3, 17, 500, 5000][k % 6];
      expect(JSON.stringify(run(text, randomCuts(text.length, r, maxPiece)))).toBe(whole);
    }
  });

  it('calls a document invalid exactly when JSON.parse does (seeded mutations), never throwing', () => {
    const base = Buffer.from(
      nsgDoc([
        ['1542110379,10.5.16.4,203.0.113.115,44931,443,T,O,A,C,30,16978,24,14008'],
        [
          '1542110379,10.5.16.4,203.0.113.115,1,443,U,I,D,B,,,,',
          '1542110379,10.5.16.4,203.0.113.116,1,2,T,O,A,E,1,2,3,4',
        ],
      ]) + '\n',
    );
    const alphabet = Buffer.from('{}[],:"\\ 0123456789.eE+-tfnulrsa\n\t\u0001x');
    const r = rng(2024);
    for (let k = 0; k < 3000; k++) {
      const mutated = Buffer.from(base);
      const edits = 1 + Math.floor(r() * 3);
      for (let e = 0; e < edits; e++) {
        mutated[Math.floor(r() * mutated.length)] = alphabet[Math.floor(r() * alphabet.length)];
      }
      // Every fourth document is also cut short somewhere.
      const doc = k % 4 === 0 ? mutated.subarray(0, Math.floor(r() * mutated.length)) : mutated;
      let valid = true;
      try {
        JSON.parse(doc.toString('utf8'));
      } catch {
        valid = false;
      }
      const { result, records } = run(doc, randomCuts(doc.length, r, 40));
      const invalid = result.errors.some((x) => x.reason.startsWith('invalid-json'));
      expect({ doc: doc.toString(), invalid }).toEqual({ doc: doc.toString(), invalid: !valid });
      expect(records.length).toBe(result.records);
    }
  });

  it('streams a large document in bounded memory', async () => {
    // ~60 MB of tuples, produced lazily: the parser must never need the whole thing.
    const tuple = '"1714557900,10.0.0.4,105.35.106.214,41375,22,T,O,A,E,1,44,1,60",';
    const chunk = Buffer.from(tuple.repeat(1000));
    const rounds = 1000;
    async function* body(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"records":[{"properties":{"Version":2,"flows":[{"flows":[{"flowTuples":[');
      for (let k = 0; k < rounds; k++) yield chunk;
      yield Buffer.from('"1714557900,10.0.0.4,105.35.106.214,41375,22,T,O,A,E,1,44,0,0"]}]}]}}]}');
    }
    let seen = 0;
    const parser = new AzureFlowLogParser(new FlowBatch(4096, (b) => (seen += b.length)));
    const before = process.memoryUsage().heapUsed;
    const result = await parser.readFrom(body());
    expect(result).toMatchObject({ accepted: rounds * 1000 + 1, rejected: 0, records: rounds * 2000 + 1 });
    expect(seen).toBe(rounds * 2000 + 1);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(32 * 1024 * 1024);
  });
});
