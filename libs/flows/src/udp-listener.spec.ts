import { createSocket } from 'node:dgram';
import { DecodeStats } from './decode-stats';
import { reusePortProblem, UdpListener } from './udp-listener';

function send(port: number, host: string, payloads: Buffer[]): Promise<void> {
  const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    let left = payloads.length;
    for (const p of payloads) {
      s.send(p, port, host, (err) => {
        if (err) reject(err);
        if (--left === 0) s.close(() => resolve());
      });
    }
  });
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('UdpListener', () => {
  it('feeds datagrams to the handler, survives handler exceptions, ticks, and stops', async () => {
    const got: string[] = [];
    let ticks = 0;
    const stats = new DecodeStats();
    const warnings: string[] = [];
    const listener = new UdpListener({
      port: 0,
      host: '127.0.0.1',
      recvBufferSize: 1024 * 1024,
      stats,
      tickMs: 10,
      onTick: () => ticks++,
      onMessage: (msg, exporter) => {
        if (msg.toString() === 'boom') throw new Error('decoder bug');
        got.push(`${exporter} ${msg.toString()}`);
      },
      logger: { log: () => {}, warn: (m) => warnings.push(m) },
    });
    await listener.start();
    expect(listener.port).toBeGreaterThan(0);
    expect(listener.grantedRecvBufferSize).toBeGreaterThan(0);
    await send(listener.port, '127.0.0.1', [Buffer.from('a'), Buffer.from('boom'), Buffer.from('b')]);
    await until(() => got.length === 2);
    await until(() => ticks > 0);
    expect(got).toEqual(['127.0.0.1 a', '127.0.0.1 b']);
    expect(stats.rejected.get('decoder-error')).toBe(1);
    expect(listener.datagrams).toBe(3);
    const before = ticks;
    await listener.stop();
    expect(ticks).toBe(before + 1); // the final tick flushes what is left
    await listener.stop();
  });

  it('listens dual-stack by default and reports IPv4 senders as plain IPv4', async () => {
    const got: string[] = [];
    const listener = new UdpListener({ port: 0, onMessage: (_m, exporter) => got.push(exporter) });
    await listener.start();
    await send(listener.port, '127.0.0.1', [Buffer.from('x')]);
    await until(() => got.length === 1);
    expect(got).toEqual(['127.0.0.1']);
    await listener.stop();
  });

  it('fails start() when the port is taken', async () => {
    const a = new UdpListener({ port: 0, host: '127.0.0.1', onMessage: () => {} });
    await a.start();
    const b = new UdpListener({ port: a.port, host: '127.0.0.1', onMessage: () => {} });
    await expect(b.start()).rejects.toThrow();
    await a.stop();
  });

  it('with reusePort: shares the port where the runtime has SO_REUSEPORT, else start() refuses and binds nothing', async () => {
    const a = new UdpListener({ port: 0, host: '127.0.0.1', reusePort: true, onMessage: () => {} });
    const problem = reusePortProblem();
    if (problem) {
      await expect(a.start()).rejects.toThrow(`cannot share UDP port 0: ${problem}`);
      expect(a.port).toBe(0);
      return;
    }
    await a.start();
    const b = new UdpListener({ port: a.port, host: '127.0.0.1', reusePort: true, onMessage: () => {} });
    await b.start();
    expect(b.port).toBe(a.port);
    await a.stop();
    await b.stop();
  });
});
