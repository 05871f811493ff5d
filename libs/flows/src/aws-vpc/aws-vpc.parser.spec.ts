import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DecodeStats } from '../decode-stats';
import { FlowBatch } from '../flow-batch';
import { FlowRecord, toFlowRecord } from '../flow-record';
import { AwsVpcIngestResult, AwsVpcParser, AwsVpcParserOptions } from './aws-vpc.parser';

const SCENARIOS = '/work/shared/scenarios/vpc';
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/** Deterministic PRNG (mulberry32) so random splits and fuzz inputs repeat exactly. */
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

interface Run {
  result: AwsVpcIngestResult;
  records: FlowRecord[];
}

/** Parses `input` cut into chunks at `cuts` (offsets), collecting every record the batch hands out. */
function run(input: Buffer | string, cuts: number[] = [], options: AwsVpcParserOptions = {}): Run {
  const buf = typeof input === 'string' ? Buffer.from(input) : input;
  const records: FlowRecord[] = [];
  const batch = new FlowBatch(64, (b) => {
    for (let i = 0; i < b.length; i++) records.push(toFlowRecord(b, i));
  });
  const parser = new AwsVpcParser(batch, options);
  let prev = 0;
  for (const c of [...cuts, buf.length]) {
    parser.write(buf.subarray(prev, c));
    prev = c;
  }
  return { result: parser.end(), records };
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

/** An independent (split-based) reading of default-format lines, to check the parser against. */
function reference(text: string): { records: Partial<FlowRecord>[]; nodata: number; skipdata: number } {
  const records: Partial<FlowRecord>[] = [];
  let nodata = 0;
  let skipdata = 0;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('version')) continue;
    const f = line.split(' ');
    if (f[13] === 'NODATA') nodata++;
    else if (f[13] === 'SKIPDATA') skipdata++;
    else {
      records.push({
        src: f[3],
        dst: f[4],
        srcPort: Number(f[5]),
        dstPort: Number(f[6]),
        protocol: Number(f[7]),
        packets: Number(f[8]),
        bytes: Number(f[9]),
        start: new Date(Number(f[10]) * 1000).toISOString(),
        end: new Date(Number(f[11]) * 1000).toISOString(),
        action: f[12] === 'ACCEPT' ? 'allow' : 'deny',
      });
    }
  }
  return { records, nodata, skipdata };
}

describe('AwsVpcParser', () => {
  it('reads the documented default-format example', () => {
    const { result, records } = run(
      '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n',
    );
    expect(result).toEqual({ accepted: 1, rejected: 0, errors: [], lines: 1, nodata: 0, skipdata: 0 });
    expect(records).toEqual([
      {
        start: '2014-12-14T04:06:50.000Z',
        end: '2014-12-14T04:07:50.000Z',
        src: '172.31.16.139',
        dst: '172.31.16.21',
        srcPort: 20641,
        dstPort: 22,
        protocol: 6,
        packets: 20,
        bytes: 4249,
        tcpFlags: null,
        action: 'allow',
        sampling: 1,
        source: 'aws-vpc',
        exporter: '',
        direction: 'unattributed',
      },
    ]);
  });

  it('reads REJECT, IPv6 addresses, CRLF endings and a last line without a newline', () => {
    const { result, records } = run(
      `${HEADER}\r\n` +
        '2 1 eni-a 2001:db8::1 2001:db8:0:0:0:0:0:2 443 50000 6 3 180 100 160 REJECT OK\r\n' +
        '2 1 eni-a ::ffff:10.0.0.1 fe80::1 0 0 58 1 64 100 100 ACCEPT OK',
    );
    expect(result.errors).toEqual([]);
    expect(result.accepted).toBe(2);
    expect(records.map((r) => [r.src, r.dst, r.action, r.protocol])).toEqual([
      ['2001:db8::1', '2001:db8::2', 'deny', 6],
      ['::ffff:a00:1', 'fe80::1', 'allow', 58],
    ]);
  });

  it('counts NODATA and SKIPDATA lines apart and accepts nothing from them', () => {
    const { result } = run(
      '2 1 eni-a - - - - - - - 1714557600 1714557660 - NODATA\n' +
        '2 1 eni-a - - - - - - - 1714557600 1714557660 - SKIPDATA\n' +
        '2 1 eni-a - - - - - - - 1714557660 1714557720 - NODATA\n',
    );
    expect(result).toMatchObject({ accepted: 0, rejected: 0, nodata: 2, skipdata: 1, lines: 3 });
  });

  it('parses every shared scenario file exactly as an independent reading does', () => {
    const files = readdirSync(SCENARIOS).filter((f) => f.endsWith('.log'));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readFileSync(join(SCENARIOS, f), 'utf8');
      const ref = reference(text);
      const { result, records } = run(Buffer.from(text), randomCuts(text.length, rng(f.length), 65536));
      expect({ file: f, errors: result.errors }).toEqual({ file: f, errors: [] });
      expect(result.rejected).toBe(0);
      expect(result.nodata).toBe(ref.nodata);
      expect(result.skipdata).toBe(ref.skipdata);
      expect(result.accepted).toBe(ref.records.length);
      expect(records.length).toBe(ref.records.length);
      const keys = Object.keys(ref.records[0] ?? {}) as (keyof FlowRecord)[];
      // One expect per mismatch, not per record, so the large files stay fast.
      const bad = records.findIndex((r, k) => keys.some((key) => r[key] !== ref.records[k][key]));
      if (bad >= 0) expect(records[bad]).toMatchObject(ref.records[bad]);
    }
  });

  it('reads all.log with its 60 NODATA and 1 SKIPDATA lines and no error', () => {
    const text = readFileSync(join(SCENARIOS, 'all.log'));
    const lines = text
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '').length;
    const { result } = run(text);
    expect(result.errors).toEqual([]);
    expect(result).toMatchObject({ rejected: 0, nodata: 60, skipdata: 1, lines });
    expect(result.accepted).toBe(lines - 1 - 60 - 1);
  });

  it('follows a custom field order from the header, skipping unknown fields', () => {
    const header =
      'vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr ' +
      'pkt-dstaddr protocol bytes packets start end action tcp-flags log-status flow-direction sublocation-type ' +
      'sublocation-id some-future-field';
    const line =
      'vpc-1 subnet-1 i-1 eni-1 123 IPv4 10.0.1.5 10.0.0.220 36490 80 203.0.113.7 10.0.0.220 6 5000 12 ' +
      '1714557600 1714557620 ACCEPT 19 OK ingress - - whatever';
    const { result, records } = run(`${header}\n${line}\n`);
    expect(result.errors).toEqual([]);
    expect(records[0]).toMatchObject({
      src: '203.0.113.7',
      dst: '10.0.0.220',
      srcPort: 36490,
      dstPort: 80,
      protocol: 6,
      bytes: 5000,
      packets: 12,
      tcpFlags: 19,
      start: '2024-05-01T10:00:00.000Z',
      end: '2024-05-01T10:00:20.000Z',
    });
    // Without the preference, the interface's view of the addresses is kept.
    const plain = run(`${header}\n${line}\n`, [], { preferPacketAddresses: false });
    expect(plain.records[0].src).toBe('10.0.1.5');
    // '-' in pkt-* falls back to srcaddr/dstaddr.
    const dashed = run(`${header}\n${line.replace('203.0.113.7', '-')}\n`);
    expect(dashed.records[0].src).toBe('10.0.1.5');
  });

  it('takes a header that reappears mid-stream (concatenated S3 objects)', () => {
    const { result, records } = run(
      `${HEADER}\n2 1 eni-a 10.0.0.1 10.0.0.2 1 2 6 1 40 100 160 ACCEPT OK\n` +
        'srcaddr dstaddr start end\n10.0.0.3 10.0.0.4 200 260\n',
    );
    expect(result.errors).toEqual([]);
    expect(records.map((r) => r.src)).toEqual(['10.0.0.1', '10.0.0.3']);
    expect(records[1]).toMatchObject({ protocol: 0, packets: 0, action: null });
  });

  it('refuses a header without addresses or times, and every data line under it', () => {
    const { result } = run('version srcport dstport\n2 1 2\n2 3 4\n');
    expect(result.errors).toEqual([
      { line: 1, reason: 'bad-header' },
      { line: 2, reason: 'no-usable-header' },
      { line: 3, reason: 'no-usable-header' },
    ]);
  });

  it('reports malformed lines by number and reason, and still accepts the good ones', () => {
    const good = '2 1 eni-a 10.0.0.1 10.0.0.2 1000 22 6 1 40 100 160 ACCEPT OK';
    const lines = [
      HEADER, // 1
      good, // 2
      '2 1 eni-a 10.0.0.256 10.0.0.2 1000 22 6 1 40 100 160 ACCEPT OK', // 3
      '2 1 eni-a 10.0.0.1 10.0.0.2 70000 22 6 1 40 100 160 ACCEPT OK', // 4
      '2 1 eni-a 10.0.0.1 10.0.0.2 1000 22 6 1 40 100 160 ACCEPT', // 5
      `${good} extra`, // 6
      '2 1 eni-a 10.0.0.1 10.0.0.2 1000 22 6 1 40 100 160 MAYBE OK', // 7
      '2 1 eni-a 10.0.0.1 10.0.0.2 1000 22 6 1 4x0 100 160 ACCEPT OK', // 8
      '', // 9: blank lines are nothing
      '2 1 eni-a 10.0.0.1 2001:db8::1 1000 22 6 1 40 100 160 ACCEPT OK', // 10
      '2 1 eni-a 10.0.0.1 10.0.0.2 1000 22 6 1 40 200 160 ACCEPT OK', // 11
      '2 1 eni-a - 10.0.0.2 1000 22 6 1 40 100 160 ACCEPT OK', // 12
      '2 1 eni-a 10.0.0.1 10.0.0.2 1000 22 6 1 40 100 160 ACCEPT BROKEN', // 13
      '2 1 eni-a 10.0.0.1 10.0.0.2 1000 22 256 1 40 100 160 ACCEPT OK', // 14
      '2 1 eni-a 10.0.0.1 1:2:3:4:5:6:7:8:9 1000 22 6 1 40 100 160 ACCEPT OK', // 15
      good, // 16
    ];
    const { result, records } = run(lines.join('\n'));
    expect(result.errors).toEqual([
      { line: 3, reason: 'bad-srcaddr' },
      { line: 4, reason: 'bad-srcport' },
      { line: 5, reason: 'missing-fields' },
      { line: 6, reason: 'extra-fields' },
      { line: 7, reason: 'bad-action' },
      { line: 8, reason: 'bad-bytes' },
      { line: 10, reason: 'mixed-address-families' },
      { line: 11, reason: 'end-before-start' },
      { line: 12, reason: 'missing-srcaddr' },
      { line: 13, reason: 'bad-log-status' },
      { line: 14, reason: 'bad-protocol' },
      { line: 15, reason: 'bad-dstaddr' },
    ]);
    expect(result).toMatchObject({ accepted: 2, rejected: 12, lines: 16 });
    expect(records).toHaveLength(2);
  });

  it('refuses over-long lines without buffering them, wherever the chunks split', () => {
    const long = `2 1 ${'x'.repeat(20_000)} 10.0.0.1 10.0.0.2 1 2 6 1 40 100 160 ACCEPT OK`;
    const good = '2 1 eni-a 10.0.0.1 10.0.0.2 1 2 6 1 40 100 160 ACCEPT OK';
    const text = Buffer.from(`${good}\n${long}\n${good}\n${long}`);
    for (const cuts of [[], randomCuts(text.length, rng(7), 3000), randomCuts(text.length, rng(8), 5)]) {
      const { result } = run(text, cuts);
      expect(result.errors).toEqual([
        { line: 2, reason: 'line-too-long' },
        { line: 4, reason: 'line-too-long' },
      ]);
      expect(result.accepted).toBe(2);
    }
    // A line of exactly the bound is read; one byte more is not.
    const atBound = good.padEnd(100, ' ');
    expect(run(`${atBound}\n${atBound} \n`, [], { maxLineBytes: 100 }).result.errors).toEqual([
      { line: 2, reason: 'line-too-long' },
    ]);
  });

  it('keeps at most maxErrors details but counts every rejection', () => {
    const stats = new DecodeStats();
    const { result } = run('garbage\n'.repeat(1000), [], { stats });
    expect(result.rejected).toBe(1000);
    expect(result.errors).toHaveLength(100);
    expect(result.errors[99]).toEqual({ line: 100, reason: 'missing-fields' });
    expect(stats.rejected.get('missing-fields')).toBe(1000);
  });

  it('gives the same result whatever the chunk boundaries (seeded random splits)', () => {
    const text = Buffer.concat([
      readFileSync(join(SCENARIOS, 'b03_admin_misc.log')),
      Buffer.from(
        '2 1 eni-a 10.0.0.1 10.0.0.2 1 2 6 1 40 100 160 ACCEPT OK\r\n' +
          '2 1 eni-ü 2001:db8::1 2001:db8::2 1 2 6 1 40 100 160 ACCEPT OK\n' +
          '2 1 eni-a 10.0.0.ü 10.0.0.2 1 2 6 1 40 100 160 ACCEPT OK\n' +
          `2 1 ${'y'.repeat(9000)}\n` +
          '2 1 eni-a - - - - - - - 1714557600 1714557660 - NODATA\n' +
          '2 1 eni-a 10.0.0.1 10.0.0.2 1 2 6 1 40 100 160 ACCEPT OK',
      ),
    ]);
    const whole = JSON.stringify(run(text));
    const r = rng(42);
    for (let k = 0; k < 40; k++) {
      const maxPiece = [1, 2, 7, 64, 1000, 9000, 70000][k % 7];
      expect(JSON.stringify(run(text, randomCuts(text.length, r, maxPiece)))).toBe(whole);
    }
  });

  it('never throws on random bytes and counts every bad line', () => {
    const r = rng(1234);
    for (let k = 0; k < 200; k++) {
      const len = Math.floor(r() * 4000);
      const buf = Buffer.alloc(len);
      for (let i = 0; i < len; i++) {
        // Mostly field-like bytes, so some lines get deep into the parser.
        const x = r();
        buf[i] =
          x < 0.1 ? 10 : x < 0.3 ? 32 : x < 0.6 ? 48 + Math.floor(r() * 10) : x < 0.7 ? 46 : Math.floor(r() * 256);
      }
      const { result, records } = run(buf, randomCuts(len, r, 500));
      expect(result.accepted).toBe(records.length);
      expect(result.accepted + result.rejected + result.nodata + result.skipdata).toBeLessThanOrEqual(result.lines);
    }
  });

  it('refuses writes after end', () => {
    const parser = new AwsVpcParser(new FlowBatch(4));
    parser.end();
    expect(() => parser.write(Buffer.from('x'))).toThrow();
  });

  it('reads from an async stream of chunks', async () => {
    const batch = new FlowBatch(8);
    const parser = new AwsVpcParser(batch);
    async function* body(): AsyncGenerator<Buffer> {
      yield Buffer.from('2 1 eni-a 10.0.0.1 10.0.0');
      yield Buffer.from('.2 1 2 6 1 40 100 160 ACCEPT OK\n');
    }
    expect(await parser.readFrom(body())).toMatchObject({ accepted: 1, rejected: 0 });
  });
});
