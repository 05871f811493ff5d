import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FlowDirection, FlowPipelineService, toFlowRecord, type FlowRecord } from '@sg/flows';
import { api, startTestApp, type TestApp } from '../support/test-app';

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

describe('HTTP flow-log ingestion', () => {
  let t: TestApp;
  let ingestToken: string;
  const seen: FlowRecord[] = [];
  let unattributed = 0;

  beforeAll(async () => {
    t = await startTestApp({ roles: ['api'] });
    await api(t.url, 'POST', '/api/v1/inventory/import', {
      subscriptions: [{ id: 's1', name: 'S1', contacts: ['a@s1.example'] }],
      deployments: [{ id: 'd1', subscriptionId: 's1', name: 'd' }],
      vms: [{ id: 'vm-web', deploymentId: 'd1', name: 'web', addresses: [{ ip: '10.0.0.20' }] }],
    });
    ingestToken = (await api(t.url, 'POST', '/api/v1/tokens', { name: 'shipper', role: 'ingest' })).body.token;
    t.app.get(FlowPipelineService).pipeline.addConsumer({
      consume(batch) {
        for (let i = 0; i < batch.length; i++) {
          if (batch.direction[i] === FlowDirection.UNATTRIBUTED) unattributed++;
          else seen.push(toFlowRecord(batch, i));
        }
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => {
    seen.length = 0;
    unattributed = 0;
  });

  const post = (path: string, body: Buffer | string, headers: Record<string, string>, token = ingestToken) =>
    fetch(t.url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...headers }, body });

  it('accepts AWS VPC lines, reports a malformed line by number and keeps the good lines', async () => {
    const body = [
      HEADER,
      '2 123456789012 eni-1 198.51.100.7 10.0.0.20 50000 443 6 10 5000 1714557600 1714557660 ACCEPT OK',
      '2 123456789012 eni-1 198.51.100.7 10.0.0.20 not-a-port 443 6 10 5000 1714557600 1714557660 ACCEPT OK',
      '2 123456789012 eni-1 - - - - - - - 1714557600 1714557660 - NODATA',
      '2 123456789012 eni-1 10.0.0.20 198.51.100.7 443 50000 6 8 9000 1714557600 1714557660 ACCEPT OK',
      '2 123456789012 eni-1 203.0.113.1 203.0.113.2 1 2 17 1 100 1714557600 1714557660 REJECT OK',
    ].join('\n');
    const res = await post('/api/v1/flows/aws-vpc', body, { 'content-type': 'text/plain' });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(answer.accepted).toBe(3);
    expect(answer.rejected).toBe(1);
    expect(answer.errors).toEqual([expect.objectContaining({ line: 3 })]);
    expect(answer.nodata).toBe(1);
    expect(seen.map((r) => [r.src, r.dst, r.direction, r.bytes])).toEqual([
      ['198.51.100.7', '10.0.0.20', 'inbound', 5000],
      ['10.0.0.20', '198.51.100.7', 'outbound', 9000],
    ]);
    expect(unattributed).toBe(1);
  });

  it('takes gzip bodies and the shared scenario log files', async () => {
    const file = readFileSync(join(__dirname, '../../../shared/scenarios/vpc/b01_https_web.log'));
    const res = await post('/api/v1/flows/aws-vpc', gzipSync(file), {
      'content-type': 'text/plain',
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(answer.rejected).toBe(0);
    expect(answer.accepted).toBe(file.toString().trim().split('\n').length - 1);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((r) => r.src === '10.0.0.20' || r.dst === '10.0.0.20')).toBe(true);
  });

  it('reports a truncated gzip body and keeps what was read', async () => {
    const lines = [HEADER];
    for (let i = 0; i < 5000; i++)
      lines.push(`2 1 eni-1 198.51.100.${i % 250} 10.0.0.20 ${1024 + i} 443 6 3 180 1714557600 1714557660 ACCEPT OK`);
    const gz = gzipSync(lines.join('\n'));
    const res = await post('/api/v1/flows/aws-vpc', gz.subarray(0, Math.floor(gz.length * 0.8)), {
      'content-type': 'text/plain',
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(answer.accepted).toBeGreaterThan(0);
    expect(answer.errors.some((e: { reason: string }) => e.reason.startsWith('body:'))).toBe(true);
  });

  it('accepts Azure NSG flow logs and names a bad tuple by its path', async () => {
    const doc = {
      records: [
        {
          time: '2024-05-01T10:01:00.0000000Z',
          category: 'NetworkSecurityGroupFlowEvent',
          operationName: 'NetworkSecurityGroupFlowEvents',
          properties: {
            Version: 2,
            flows: [
              {
                rule: 'DefaultRule_AllowInternetOutBound',
                flows: [
                  {
                    mac: '000D3A000001',
                    flowTuples: [
                      '1714557660,198.51.100.9,10.0.0.20,44931,443,T,I,A,E,30,16978,24,14008',
                      '1714557660,198.51.100.9,10.0.0.20,notaport,443,T,I,A,E,30,16978,24,14008',
                    ],
                  },
                ],
              },
            ],
          },
        },
      ],
    };
    const res = await post('/api/v1/flows/azure', JSON.stringify(doc), { 'content-type': 'application/json' });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(answer.accepted).toBe(1);
    expect(answer.rejected).toBe(1);
    expect(answer.errors[0].index).toBe('records[0].properties.flows[0].flows[0].flowTuples[1]');
    expect(seen.map((r) => [r.src, r.dst, r.direction])).toEqual([
      ['198.51.100.9', '10.0.0.20', 'inbound'],
      ['10.0.0.20', '198.51.100.9', 'outbound'],
    ]);
  });

  it('refuses a wrong content type, a wrong role and no token', async () => {
    expect((await post('/api/v1/flows/aws-vpc', 'x', { 'content-type': 'image/png' })).status).toBe(415);
    const responder = (await api(t.url, 'POST', '/api/v1/tokens', { name: 'r', role: 'responder' })).body.token;
    expect((await post('/api/v1/flows/aws-vpc', 'x', { 'content-type': 'text/plain' }, responder)).status).toBe(403);
    expect((await fetch(t.url + '/api/v1/flows/azure', { method: 'POST', body: '{}' })).status).toBe(401);
    const bad = await post('/api/v1/flows/azure', '{"records": [ {"properties": ', {
      'content-type': 'application/json',
    });
    expect(bad.status).toBe(202);
    expect(((await bad.json()) as { errors: unknown[] }).errors.length).toBeGreaterThan(0);
  });
});
