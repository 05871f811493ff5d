import type { AppConfig } from '@sg/common';
import { reusePortProblem } from '../udp-listener';

/**
 * How the collector's UDP sockets bind. HOST, when it names one address, is where they listen
 * (so collectors on one host can sit on different addresses); the wildcard default keeps the
 * dual-stack '::'. UDP_REUSE_PORT=true asks for SO_REUSEPORT (collectors share NETFLOW_PORT and
 * SFLOW_PORT); a runtime that cannot give it stops the start with the variable named, because
 * binding without it would either fail later or leave one process with all of a port's datagrams.
 */
export function udpBinding(
  cfg: Pick<AppConfig, 'HOST' | 'UDP_REUSE_PORT'>,
  problem: string | null = reusePortProblem(),
): { host?: string; reusePort: boolean } {
  if (cfg.UDP_REUSE_PORT && problem)
    throw new Error(
      `UDP_REUSE_PORT=true cannot be honoured: ${problem}. Unset UDP_REUSE_PORT and give each collector ` +
        `its own NETFLOW_PORT/SFLOW_PORT or HOST (README, "Running more than one collector").`,
    );
  const wildcard = cfg.HOST === '0.0.0.0' || cfg.HOST === '::';
  return { ...(wildcard ? {} : { host: cfg.HOST }), reusePort: cfg.UDP_REUSE_PORT };
}
