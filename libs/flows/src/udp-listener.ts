import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv4 } from 'node:net';
import { DecodeStats } from './decode-stats';

export interface UdpListenerLogger {
  log(message: string): void;
  warn(message: string): void;
}

export interface UdpListenerOptions {
  port: number;
  /** Address to bind; default '::' (dual-stack), falling back to '0.0.0.0' without IPv6. */
  host?: string;
  /**
   * Socket receive buffer to request. Exporters send in bursts (softflowd reading a file sends
   * everything at once) and a small buffer drops them; Linux grants at most net.core.rmem_max
   * (raising it with `sysctl -w net.core.rmem_max=...` is the operator's job).
   */
  recvBufferSize?: number;
  /**
   * Bind with SO_REUSEPORT, so several processes share the port and the kernel spreads datagrams
   * over them by a hash of the source and destination address and port (an exporter with a fixed
   * source port stays on one socket while the set of sockets does not change). start() refuses
   * when the runtime cannot (reusePortProblem): it never falls back to a port of its own.
   */
  reusePort?: boolean;
  /** Called for every datagram with the sender's address (IPv4-mapped IPv6 shown as IPv4). */
  onMessage: (msg: Buffer, exporter: string) => void;
  /** Called every `tickMs` while running and once on stop: flush batches, expire state. */
  onTick?: () => void;
  tickMs?: number;
  /** Where `decoder-error` is counted; share the collector's to see it on /metrics. */
  stats?: DecodeStats;
  logger?: UdpListenerLogger;
}

export const DEFAULT_RECV_BUFFER_SIZE = 32 * 1024 * 1024;
/**
 * Records wait at most about this long in a batch at idle; under load batches fill up and are
 * handed on long before, so the timer does not shape throughput.
 */
export const DEFAULT_TICK_MS = 50;

const silent: UdpListenerLogger = { log: () => {}, warn: () => {} };

/** Platforms whose SO_REUSEPORT spreads datagrams over the sockets (Node's dgram docs); macOS's does not. */
const REUSE_PORT_PLATFORMS = new Set(['linux', 'freebsd', 'sunos', 'aix']);

/**
 * Why `reusePort` cannot be had here, or null when it can: dgram's `reusePort` exists from Node
 * 22.12 and 23.1 (older versions ignore the option, and a second process would then fail to bind
 * or, with SO_REUSEADDR, silently take all of one port's datagrams).
 */
export function reusePortProblem(
  nodeVersion: string = process.versions.node,
  platform: string = process.platform,
): string | null {
  const [major, minor] = nodeVersion.split('.').map(Number);
  const hasOption = major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
  if (!hasOption) return `Node.js ${nodeVersion} has no SO_REUSEPORT for UDP (it needs 22.12+ or 23.1+)`;
  if (!REUSE_PORT_PLATFORMS.has(platform))
    return `SO_REUSEPORT does not spread UDP datagrams over processes on ${platform} (Linux, FreeBSD, Solaris, AIX do)`;
  return null;
}

/**
 * A UDP socket that feeds every datagram to a handler. The handler never takes the socket down:
 * an exception is caught and counted as `decoder-error`. A periodic tick lets the handler flush
 * partly filled batches, so at idle records are not held for long.
 */
export class UdpListener {
  readonly stats: DecodeStats;
  /** Datagrams received. */
  datagrams = 0;
  /** The receive buffer the OS granted (Linux reports twice the usable size). */
  grantedRecvBufferSize = 0;

  private socket: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly logger: UdpListenerLogger;

  constructor(private readonly options: UdpListenerOptions) {
    this.stats = options.stats ?? new DecodeStats();
    this.logger = options.logger ?? silent;
  }

  /** The bound port (useful when `port` was 0). */
  get port(): number {
    const a = this.socket?.address();
    return a ? a.port : 0;
  }

  async start(): Promise<void> {
    if (this.socket) return;
    const problem = this.options.reusePort ? reusePortProblem() : null;
    if (problem) throw new Error(`cannot share UDP port ${this.options.port}: ${problem}`);
    const host = this.options.host ?? '::';
    try {
      this.socket = await this.bind(isIPv4(host) ? 'udp4' : 'udp6', host);
    } catch (err) {
      if (this.options.host !== undefined) throw err;
      // No IPv6 on this host: the default address falls back to IPv4 only.
      this.socket = await this.bind('udp4', '0.0.0.0');
    }
    const requested = this.options.recvBufferSize ?? DEFAULT_RECV_BUFFER_SIZE;
    this.grantedRecvBufferSize = this.socket.getRecvBufferSize();
    const a = this.socket.address();
    this.logger.log(
      `UDP listener on ${a.address}:${a.port}${this.options.reusePort ? ' (SO_REUSEPORT)' : ''}: receive buffer ${this.grantedRecvBufferSize} bytes granted, ${requested} requested`,
    );
    // Linux doubles the figure it reports, so anything under the request means it was capped.
    if (this.grantedRecvBufferSize < requested) {
      this.logger.warn(
        `UDP receive buffer capped at ${this.grantedRecvBufferSize} bytes (asked ${requested}); bursts may be dropped. ` +
          `Raise net.core.rmem_max (sysctl -w net.core.rmem_max=${requested}).`,
      );
    }
    const tick = this.options.onTick;
    if (tick) {
      this.timer = setInterval(() => this.safeTick(tick), this.options.tickMs ?? DEFAULT_TICK_MS);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    if (this.options.onTick) this.safeTick(this.options.onTick);
  }

  private bind(type: 'udp4' | 'udp6', host: string): Promise<Socket> {
    const requested = this.options.recvBufferSize ?? DEFAULT_RECV_BUFFER_SIZE;
    // `reusePort` is typed from Node 22.12 on; older runtimes are refused in start().
    const reuse = this.options.reusePort ? ({ reusePort: true } as object) : {};
    const socket = createSocket({ type, ipv6Only: false, recvBufferSize: requested, reuseAddr: false, ...reuse });
    return new Promise<Socket>((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.close();
        reject(err);
      };
      socket.once('error', onError);
      socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.onMessage(msg, rinfo));
      socket.bind(this.options.port, host, () => {
        socket.off('error', onError);
        socket.on('error', (err) => this.logger.warn(`UDP socket error: ${err.message}`));
        resolve(socket);
      });
    });
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    this.datagrams++;
    let exporter = rinfo.address;
    if (exporter.startsWith('::ffff:') && exporter.includes('.')) exporter = exporter.slice(7);
    try {
      this.options.onMessage(msg, exporter);
    } catch {
      this.stats.reject('decoder-error');
    }
  }

  private safeTick(tick: () => void): void {
    try {
      tick();
    } catch {
      this.stats.reject('tick-error');
    }
  }
}
