import { FlowBatch, toFlowRecord, type FlowRecord } from '@sg/flows';
import { readArgusBinetflow } from '../support/realdata/argus-binetflow.reader';
import { checkRealdata, loadRealdata, REALDATA_CASES, type RealdataResult } from '../support/realdata/realdata-cases';
import { haveSoftflowd } from '../support/realdata/softflowd';
import { readZeekConn } from '../support/realdata/zeek-conn.reader';

/**
 * Real attack traffic (/work/shared/realdata, SOURCES.md): each pcap exported by softflowd (IPFIX,
 * -A milli) to a NetflowCollector on an ephemeral port, the Zeek conn.log and the Argus file through
 * test converters; attributed with the attacker (one run) or the victim (another run) declared as a
 * VM from 2000 on; a default-config engine; the clock advanced an hour past the end. The declared VM
 * must get a non-suppressed finding with the role and kind the capture describes, and no finding of
 * any other role or kind (none of these captures holds a second pattern for the declared address).
 */
describe('real captures: the declared VM is found as the capture describes', () => {
  const results: RealdataResult[] = [];

  beforeAll(() => {
    if (!haveSoftflowd())
      throw new Error('softflowd is not installed: apt-get install -y --no-install-recommends softflowd');
  });

  afterAll(() => {
    if (process.env.REALDATA_REPORT) console.table(results.map(({ unexpected: _u, ...r }) => r));
  });

  it.each(REALDATA_CASES.map((c) => [c.file, c.what, c] as const))('%s (%s)', async (_file, _what, c) => {
    const store = await loadRealdata(c);
    expect(store.count).toBeGreaterThan(0);
    const rows = checkRealdata(c, store);
    results.push(...rows);
    for (const r of rows)
      expect({ declared: r.declared, got: r.got, ok: r.ok }).toEqual({ declared: r.declared, got: r.got, ok: true });
  });
});

describe('test converters for flow logs', () => {
  const collect = (fn: (b: FlowBatch) => unknown): FlowRecord[] => {
    const out: FlowRecord[] = [];
    const b = new FlowBatch(64, (x) => {
      for (let i = 0; i < x.length; i++) out.push(toFlowRecord(x, i));
    });
    fn(b);
    return out;
  };
  const zeek = (o: Record<string, unknown>) =>
    JSON.stringify({
      ts: 1664462456.5,
      'id.orig_h': '172.16.1.11',
      'id.orig_p': 40000,
      'id.resp_h': '10.0.2.3',
      'id.resp_p': 22,
      proto: 'tcp',
      duration: 0.5,
      orig_bytes: 0,
      resp_bytes: 0,
      ...o,
    });

  it('Zeek conn: S0 is a lone SYN, REJ a SYN answered by RST-ACK, both directions carry the connection times', () => {
    const recs = collect((b) =>
      readZeekConn(
        [
          zeek({ conn_state: 'S0', orig_pkts: 1, orig_ip_bytes: 44, resp_pkts: 0, resp_ip_bytes: 0 }),
          zeek({ conn_state: 'REJ', orig_pkts: 1, orig_ip_bytes: 44, resp_pkts: 1, resp_ip_bytes: 40 }),
          zeek({
            conn_state: 'SF',
            orig_pkts: 12,
            orig_ip_bytes: 2000,
            resp_pkts: 10,
            resp_ip_bytes: 3000,
            orig_bytes: 900,
            resp_bytes: 1800,
          }),
          zeek({
            proto: 'icmp',
            'id.orig_p': 8,
            'id.resp_p': 0,
            conn_state: 'OTH',
            orig_pkts: 1,
            orig_ip_bytes: 28,
            resp_pkts: 1,
            resp_ip_bytes: 28,
          }),
        ].join('\n'),
        b,
      ),
    );
    expect(recs.map((r) => [r.src, r.dst, r.dstPort, r.packets, r.bytes, r.tcpFlags])).toEqual([
      ['172.16.1.11', '10.0.2.3', 22, 1, 44, 0x02],
      ['172.16.1.11', '10.0.2.3', 22, 1, 44, 0x02],
      ['10.0.2.3', '172.16.1.11', 40000, 1, 40, 0x14],
      ['172.16.1.11', '10.0.2.3', 22, 12, 2000, 0x1b],
      ['10.0.2.3', '172.16.1.11', 40000, 10, 3000, 0x1b],
      ['172.16.1.11', '10.0.2.3', 0x0800, 1, 28, null],
      ['10.0.2.3', '172.16.1.11', 0, 1, 28, null],
    ]);
    expect(recs[0].start).toBe('2022-09-29T14:40:56.500Z');
    expect(recs[0].end).toBe('2022-09-29T14:40:57.000Z');
  });

  it('Argus: REQ is an unanswered SYN, CON two directions with packets split by bytes', () => {
    const text = [
      'StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label',
      '2018/09/27 22:44:06.241331,0.000000,tcp,192.168.2.12,30098,   ->,49.148.115.135,81,REQ,0,,1,60,60,',
      '2018/09/27 22:40:52.403669,0.008364,udp,192.168.2.12,56343,  <->,192.168.2.1,53,CON,0,0,2,208,72,',
      '2018/09/27 22:40:52.000000,1.000000,tcp,192.168.2.12,40000,  <->,192.0.2.1,23,S_RA,0,0,2,114,60,',
      '2018/09/27 22:40:52.000000,0.000000,arp,192.168.2.12,,who,192.168.2.1,,CON,0,0,2,120,60,',
    ].join('\n');
    const recs = collect((b) => readArgusBinetflow(text, b));
    expect(recs.map((r) => [r.src, r.dst, r.dstPort, r.packets, r.bytes, r.tcpFlags])).toEqual([
      ['192.168.2.12', '49.148.115.135', 81, 1, 60, 0x02],
      ['192.168.2.12', '192.168.2.1', 53, 1, 72, null],
      ['192.168.2.1', '192.168.2.12', 56343, 1, 136, null],
      ['192.168.2.12', '192.0.2.1', 23, 1, 60, 0x02],
      ['192.0.2.1', '192.168.2.12', 40000, 1, 54, 0x14],
    ]);
    expect(recs[0].start).toBe('2018-09-27T22:44:06.241Z');
  });
});
