import { DecodeStats } from '../decode-stats';
import { FlowBatch } from '../flow-batch';
import { FlowRecord, toFlowRecord } from '../flow-record';
import { SflowDecoder } from './sflow.decoder';

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

// ---- builders for hand-made datagrams (XDR: big-endian 32-bit words, opaque data padded to 4) ----

const u32 = (...v: number[]): Buffer => {
  const b = Buffer.alloc(4 * v.length);
  v.forEach((x, k) => b.writeUInt32BE(x >>> 0, 4 * k));
  return b;
};
const pad4 = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
const ip4 = (s: string): Buffer => Buffer.from(s.split('.').map(Number));
const ip6 = (words: number[]): Buffer => u32(...words);

function datagram(
  samples: Buffer[],
  opts: { seq?: number; uptime?: number; agent6?: boolean; subAgent?: number } = {},
): Buffer {
  const agent = opts.agent6
    ? Buffer.concat([u32(2), ip6([0x20010db8, 0, 0, 0x99])])
    : Buffer.concat([u32(1), ip4('192.0.2.1')]);
  return Buffer.concat([
    u32(5),
    agent,
    u32(opts.subAgent ?? 0, opts.seq ?? 1, opts.uptime ?? 100_000, samples.length),
    ...samples,
  ]);
}

function record(format: number, body: Buffer): Buffer {
  return Buffer.concat([u32(format, body.length), body]);
}

function rawHeader(frame: Buffer, frameLength = frame.length + 4, headerProto = 1): Buffer {
  return record(1, Buffer.concat([u32(headerProto, frameLength, 4, frame.length), pad4(frame)]));
}

function flowSample(rate: number, records: Buffer[], expanded = false): Buffer {
  const head = expanded
    ? u32(7, 0, 3, rate, 1000, 0, 0, 1, 0, 2, records.length)
    : u32(7, 3, rate, 1000, 0, 1, 2, records.length);
  const body = Buffer.concat([head, ...records]);
  return Buffer.concat([u32(expanded ? 3 : 1, body.length), body]);
}

function counterSample(): Buffer {
  const body = u32(1, 3, 1, 1, 88, ...new Array(22).fill(7));
  return Buffer.concat([u32(2, body.length), body]);
}

function ethernet(type: number, payload: Buffer, vlans: number[] = []): Buffer {
  const tags = vlans.map((tpid, k) => Buffer.from([tpid >> 8, tpid & 0xff, 0, 10 + k]));
  // Each tag is TPID + TCI; the inner type follows the last tag.
  const parts = [Buffer.from('aabbccddeeff112233445566', 'hex')];
  if (tags.length === 0) parts.push(Buffer.from([type >> 8, type & 0xff]));
  else {
    parts.push(tags[0].subarray(0, 2));
    for (let k = 0; k < tags.length; k++) {
      const nextType = k + 1 < tags.length ? vlans[k + 1] : type;
      parts.push(tags[k].subarray(2, 4), Buffer.from([nextType >> 8, nextType & 0xff]));
    }
  }
  return Buffer.concat([...parts, payload]);
}

function ipv4(proto: number, src: string, dst: string, l4: Buffer, fragOffset = 0): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + l4.length, 2);
  h.writeUInt16BE(fragOffset, 6);
  h[8] = 64;
  h[9] = proto;
  ip4(src).copy(h, 12);
  ip4(dst).copy(h, 16);
  return Buffer.concat([h, l4]);
}

function ipv6(next: number, src: number[], dst: number[], rest: Buffer): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(rest.length, 4);
  h[6] = next;
  h[7] = 64;
  ip6(src).copy(h, 8);
  ip6(dst).copy(h, 24);
  return Buffer.concat([h, rest]);
}

function tcp(sport: number, dport: number, flags: number): Buffer {
  const t = Buffer.alloc(20);
  t.writeUInt16BE(sport, 0);
  t.writeUInt16BE(dport, 2);
  t[12] = 0x50;
  t[13] = flags;
  return t;
}

function udp(sport: number, dport: number): Buffer {
  const t = Buffer.alloc(8);
  t.writeUInt16BE(sport, 0);
  t.writeUInt16BE(dport, 2);
  return t;
}

const NOW = Date.parse('2024-05-01T10:00:00Z');

function decode(...datagrams: Buffer[]): { records: FlowRecord[]; decoder: SflowDecoder; stats: DecodeStats } {
  const records: FlowRecord[] = [];
  const batch = new FlowBatch(16, (b) => {
    for (let i = 0; i < b.length; i++) records.push(toFlowRecord(b, i));
  });
  const decoder = new SflowDecoder(batch);
  for (const d of datagrams) decoder.decode(d, NOW);
  batch.flush();
  return { records, decoder, stats: decoder.stats };
}

const SYN_FRAME = ethernet(0x0800, ipv4(6, '10.0.0.5', '203.0.113.10', tcp(40000, 80, 0x02)));

describe('SflowDecoder', () => {
  it('turns a raw Ethernet/IPv4/TCP sample into one record scaled by the sampling rate', () => {
    const { records, stats } = decode(datagram([flowSample(512, [rawHeader(SYN_FRAME, 60)])]));
    expect(stats.rejectedTotal()).toBe(0);
    expect(records).toEqual([
      {
        start: '2024-05-01T10:00:00.000Z',
        end: '2024-05-01T10:00:00.000Z',
        src: '10.0.0.5',
        dst: '203.0.113.10',
        srcPort: 40000,
        dstPort: 80,
        protocol: 6,
        packets: 512,
        bytes: 60 * 512,
        tcpFlags: 0x02,
        action: null,
        sampling: 512,
        source: 'sflow',
        exporter: '',
        direction: 'unattributed',
      },
    ]);
    expect(stats.datagrams).toBe(1);
    expect(stats.records).toBe(1);
  });

  it('looks through 802.1Q and QinQ tags', () => {
    const frame1 = ethernet(0x0800, ipv4(17, '10.0.0.8', '198.51.100.3', udp(53, 33000)), [0x8100]);
    const frame2 = ethernet(0x0800, ipv4(17, '10.0.0.9', '198.51.100.4', udp(123, 123)), [0x88a8, 0x8100]);
    const { records, stats } = decode(
      datagram([flowSample(100, [rawHeader(frame1, 1400)]), flowSample(100, [rawHeader(frame2)])]),
    );
    expect(stats.rejectedTotal()).toBe(0);
    expect(records.map((r) => [r.src, r.dst, r.protocol, r.srcPort, r.dstPort, r.bytes, r.tcpFlags])).toEqual([
      ['10.0.0.8', '198.51.100.3', 17, 53, 33000, 140_000, null],
      ['10.0.0.9', '198.51.100.4', 17, 123, 123, (frame2.length + 4) * 100, null],
    ]);
  });

  it('decodes IPv6 through extension headers, from an IPv6 agent, in an expanded flow sample', () => {
    const hopByHop = Buffer.concat([Buffer.from([6, 0]), Buffer.alloc(6)]);
    const frame = ethernet(
      0x86dd,
      ipv6(0, [0x20010db8, 0, 0, 1], [0x20010db8, 0, 0, 2], Buffer.concat([hopByHop, tcp(443, 51000, 0x12)])),
      [0x8100],
    );
    const { records, stats } = decode(datagram([flowSample(10, [rawHeader(frame, 90)], true)], { agent6: true }));
    expect(stats.rejectedTotal()).toBe(0);
    expect(
      records.map((r) => [r.src, r.dst, r.protocol, r.srcPort, r.dstPort, r.tcpFlags, r.packets, r.bytes]),
    ).toEqual([['2001:db8::1', '2001:db8::2', 6, 443, 51000, 0x12, 10, 900]]);
  });

  it('puts ICMP type and code in the destination port, and reads no ports from later fragments', () => {
    const icmp = ethernet(0x0800, ipv4(1, '10.0.0.1', '10.0.0.2', Buffer.from([3, 3, 0, 0, 0, 0, 0, 0])));
    const frag = ethernet(0x0800, ipv4(17, '10.0.0.1', '10.0.0.2', udp(53, 5353), 185));
    const v6frag = ethernet(
      0x86dd,
      ipv6(44, [1, 0, 0, 1], [1, 0, 0, 2], Buffer.concat([Buffer.from([17, 0, 0x05, 0x00, 0, 0, 0, 1]), udp(53, 1)])),
    );
    const icmp6 = ethernet(0x86dd, ipv6(58, [1, 0, 0, 1], [1, 0, 0, 2], Buffer.from([128, 0, 0, 0])));
    const { records } = decode(datagram([icmp, frag, v6frag, icmp6].map((f) => flowSample(1, [rawHeader(f)]))));
    expect(records.map((r) => [r.protocol, r.srcPort, r.dstPort])).toEqual([
      [1, 0, 0x0303],
      [17, 0, 0],
      [17, 0, 0],
      [58, 0, 128 << 8],
    ]);
  });

  it('reads bare IPv4/IPv6 headers and sampled IPv4/IPv6 records', () => {
    const bare4 = rawHeader(ipv4(6, '10.1.1.1', '10.1.1.2', tcp(1, 2, 0x11)), 52, 11);
    const sampled4 = record(3, Buffer.concat([u32(1500, 17), ip4('10.2.2.1'), ip4('10.2.2.2'), u32(5000, 53, 0, 0)]));
    const sampled6 = record(
      4,
      Buffer.concat([u32(1280, 6), ip6([0x20010db8, 0, 0, 5]), ip6([0x20010db8, 0, 0, 6]), u32(22, 6000, 0x18, 0)]),
    );
    const { records, stats } = decode(
      datagram([flowSample(2, [bare4]), flowSample(3, [sampled4]), flowSample(4, [sampled6])]),
    );
    expect(stats.rejectedTotal()).toBe(0);
    expect(records.map((r) => [r.src, r.dst, r.protocol, r.srcPort, r.dstPort, r.tcpFlags, r.bytes])).toEqual([
      ['10.1.1.1', '10.1.1.2', 6, 1, 2, 0x11, 104],
      ['10.2.2.1', '10.2.2.2', 17, 5000, 53, null, 4500],
      ['2001:db8::5', '2001:db8::6', 6, 22, 6000, 0x18, 5120],
    ]);
  });

  it('skips counter samples, vendor samples and vendor records by their length', () => {
    const vendorSample = Buffer.concat([u32((9 << 12) | 1, 8), u32(1, 2)]);
    const vendorRecord = record((4413 << 12) | 1, u32(1, 2, 3));
    const { records, stats } = decode(
      datagram([counterSample(), vendorSample, flowSample(8, [vendorRecord, rawHeader(SYN_FRAME)]), counterSample()]),
    );
    expect(stats.rejectedTotal()).toBe(0);
    expect(records).toHaveLength(1);
  });

  it('counts non-IP frames and samples without a packet record', () => {
    const arp = ethernet(0x0806, Buffer.alloc(28));
    const { records, stats } = decode(datagram([flowSample(1, [rawHeader(arp)]), flowSample(1, [])]));
    expect(records).toHaveLength(0);
    expect(Object.fromEntries(stats.rejected)).toEqual({ 'non-ip': 1, 'no-packet-record': 1 });
  });

  it('keeps the good samples before a bad one and counts the bad one', () => {
    const good = flowSample(1, [rawHeader(SYN_FRAME)]);
    const bad = flowSample(1, [Buffer.concat([u32(1, 4000), Buffer.alloc(16)])]);
    const { records, stats } = decode(datagram([good, bad, good]), datagram([good, Buffer.from([0, 0, 0])]));
    expect(records).toHaveLength(3);
    expect(Object.fromEntries(stats.rejected)).toEqual({ 'bad-length': 1, truncated: 1 });
  });

  it('refuses bad versions and agent address types, and zero sampling rates', () => {
    const v4 = datagram([]);
    v4.writeUInt32BE(4, 0);
    const at = datagram([]);
    at.writeUInt32BE(3, 4);
    const zero = datagram([flowSample(0, [rawHeader(SYN_FRAME)])]);
    const { stats } = decode(v4, at, zero, Buffer.alloc(3), datagram([]).subarray(0, 20));
    expect(Object.fromEntries(stats.rejected)).toEqual({
      'bad-version': 1,
      'bad-address-type': 1,
      'bad-sampling-rate': 1,
      truncated: 2,
    });
  });

  it('estimates lost datagrams and samples from sequence numbers per agent and sub-agent', () => {
    const sample = flowSample(1, [rawHeader(SYN_FRAME)]);
    const d = (seq: number, subAgent = 0, uptime = 100_000 + seq): Buffer =>
      datagram([sample, sample], { seq, subAgent, uptime });
    const { decoder } = decode(
      d(1),
      d(2),
      d(5), // 3 and 4 missing
      d(4), // 4 arrives late: one fewer lost
      d(6),
      d(10, 1), // another sub-agent starts: no loss
      d(11, 1),
      d(1, 0, 50), // restart: uptime went back
      d(2, 0, 60),
      d(4, 0, 70), // 3 missing
    );
    expect(decoder.agentCounters()).toEqual([
      { agent: '192.0.2.1', subAgent: 0, datagrams: 8, received: 16, lost: 4, lostDatagrams: 2, resets: 1 },
      { agent: '192.0.2.1', subAgent: 1, datagrams: 2, received: 4, lost: 0, lostDatagrams: 0, resets: 0 },
    ]);
    expect(decoder.received).toBe(20);
    expect(decoder.lost).toBe(4);
    const v6 = decode(datagram([], { agent6: true, seq: 7 }), datagram([], { agent6: true, seq: 9 }));
    expect(v6.decoder.agentCounters()).toMatchObject([{ agent: '2001:db8::99', subAgent: 0, lostDatagrams: 1 }]);
  });

  describe('fuzzing (seeded, deterministic)', () => {
    const REASONS = new Set([
      'truncated',
      'bad-version',
      'bad-address-type',
      'bad-length',
      'bad-sample',
      'bad-sampling-rate',
      'non-ip',
      'no-packet-record',
    ]);
    const sample6 = flowSample(
      7,
      [rawHeader(ethernet(0x86dd, ipv6(6, [1, 2, 3, 4], [5, 6, 7, 8], tcp(1, 2, 2)), [0x8100]))],
      true,
    );
    const full = datagram([counterSample(), flowSample(3, [rawHeader(SYN_FRAME)]), sample6, flowSample(1, [])]);

    function check(stats: DecodeStats): void {
      for (const k of stats.rejected.keys()) expect(REASONS).toContain(k);
    }

    it('survives truncation at every length, keeping only whole samples', () => {
      const whole = decode(full).records.length;
      for (let len = 0; len <= full.length; len++) {
        const { records, stats } = decode(full.subarray(0, len));
        check(stats);
        expect(records.length).toBeLessThanOrEqual(whole);
        if (len < full.length) expect(stats.rejectedTotal()).toBeGreaterThan(0);
      }
    });

    it('survives every 32-bit word replaced by lies (0, 1, 0x7fffffff, 0xffffffff)', () => {
      for (let off = 0; off + 4 <= full.length; off += 4) {
        for (const lie of [0, 1, 0x7fffffff, 0xffffffff]) {
          const d = Buffer.from(full);
          d.writeUInt32BE(lie, off);
          const { stats } = decode(d);
          check(stats);
        }
      }
    });

    // CPU time of this process, not wall-clock time: the bound is on the decoder's work, and on a
    // loaded machine the wall clock also counts the time other processes held the core.
    const cpuMs = (): number => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };

    it('bounds the work a huge sample or record count can cause', () => {
      const d = Buffer.from(full);
      d.writeUInt32BE(0xffffffff, 24); // sample count
      const t0 = cpuMs();
      const { records, stats } = decode(d);
      expect(cpuMs() - t0).toBeLessThan(100);
      expect(records).toHaveLength(2);
      expect(stats.rejected.get('truncated')).toBe(1);
      const many = datagram([flowSample(1, [])]);
      many.writeUInt32BE(0xffffffff, many.length - 4); // record count
      expect(Object.fromEntries(decode(many).stats.rejected)).toEqual({ 'bad-sample': 1 });
    });

    it('never throws on random bytes, with or without a valid header, in bounded time', () => {
      const r = rng(5150);
      const t0 = cpuMs();
      for (let k = 0; k < 5000; k++) {
        const len = Math.floor(r() * 600);
        const d = Buffer.alloc(len);
        for (let i = 0; i < len; i++) d[i] = r() < 0.5 ? 0 : Math.floor(r() * 256);
        if (k % 2 === 0 && len >= 28) full.copy(d, 0, 0, Math.min(len, 28 + Math.floor(r() * 100)));
        const { stats } = decode(d);
        check(stats);
      }
      // Mutations of a real datagram reach deeper than pure noise.
      for (let k = 0; k < 5000; k++) {
        const d = Buffer.from(full);
        for (let e = 0; e < 3; e++) d[Math.floor(r() * d.length)] = Math.floor(r() * 256);
        check(decode(d).stats);
      }
      expect(cpuMs() - t0).toBeLessThan(5000);
    });
  });
});
