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
      `UDP listener on ${a.address}:${a.port}: receive buffer ${this.grantedRecvBufferSize} bytes granted, ${requested} requested`,
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
    const socket = createSocket({ type, ipv6Only: false, recvBufferSize: requested, reuseAddr: false });
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
