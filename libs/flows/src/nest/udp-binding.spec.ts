import { reusePortProblem } from '../udp-listener';
import { udpBinding } from './udp-binding';

describe('reusePortProblem', () => {
  it.each([
    ['20.20.2', 'linux', /Node\.js 20\.20\.2 has no SO_REUSEPORT/],
    ['22.11.0', 'linux', /needs 22\.12\+ or 23\.1\+/],
    ['23.0.0', 'linux', /needs 22\.12\+ or 23\.1\+/],
    ['22.12.0', 'darwin', /does not spread UDP datagrams over processes on darwin/],
    ['24.1.0', 'win32', /on win32/],
  ])('Node %s on %s: refused', (version, platform, why) => {
    expect(reusePortProblem(version, platform)).toMatch(why);
  });

  it.each([
    ['22.12.0', 'linux'],
    ['23.1.0', 'linux'],
    ['24.0.0', 'freebsd'],
  ])('Node %s on %s: available', (version, platform) => {
    expect(reusePortProblem(version, platform)).toBeNull();
  });
});

describe('udpBinding', () => {
  it('without UDP_REUSE_PORT: a port of its own, on every address unless HOST names one', () => {
    const refused = 'Node.js 20.20.2 has no SO_REUSEPORT for UDP';
    expect(udpBinding({ HOST: '0.0.0.0', UDP_REUSE_PORT: false }, refused)).toEqual({ reusePort: false });
    expect(udpBinding({ HOST: '::', UDP_REUSE_PORT: false }, refused)).toEqual({ reusePort: false });
    expect(udpBinding({ HOST: '192.0.2.7', UDP_REUSE_PORT: false }, refused)).toEqual({
      host: '192.0.2.7',
      reusePort: false,
    });
  });

  it('UDP_REUSE_PORT=true where the runtime has it: shared port', () => {
    expect(udpBinding({ HOST: '0.0.0.0', UDP_REUSE_PORT: true }, null)).toEqual({ reusePort: true });
  });

  it('UDP_REUSE_PORT=true where the runtime lacks it: stops, naming the variable and the way out', () => {
    expect(() =>
      udpBinding({ HOST: '0.0.0.0', UDP_REUSE_PORT: true }, 'Node.js 20.20.2 has no SO_REUSEPORT for UDP'),
    ).toThrow(/^UDP_REUSE_PORT=true cannot be honoured: Node\.js 20\.20\.2 .*NETFLOW_PORT\/SFLOW_PORT or HOST/);
  });

  it('on this runtime the default check agrees with the Node version', () => {
    const [major, minor] = process.versions.node.split('.').map(Number);
    const has = major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
    if (has && process.platform === 'linux')
      expect(udpBinding({ HOST: '::', UDP_REUSE_PORT: true }).reusePort).toBe(true);
    else expect(() => udpBinding({ HOST: '::', UDP_REUSE_PORT: true })).toThrow(/UDP_REUSE_PORT/);
  });
});
