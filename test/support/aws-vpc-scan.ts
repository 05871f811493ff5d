import type { Queue } from 'bullmq';

export const AWS_VPC_HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/**
 * Uploads AWS VPC flow-log lines of an outbound SSH scan: 200 rejected SYN probes from `srcIp` to
 * distinct hosts on port 22 over two minutes, ten minutes ago (its windows are past the lateness
 * bound, so the next sweep evaluates them). Answers the upload's HTTP status.
 */
export async function uploadSshScan(
  baseUrl: string,
  token: string,
  srcIp: string,
  extraLines: string[] = [],
): Promise<number> {
  const now = Math.floor(Date.now() / 1000) - 600;
  const lines = [AWS_VPC_HEADER];
  for (let i = 0; i < 200; i++) {
    const t0 = now + Math.floor(i * 0.6);
    lines.push(
      `2 1 eni-a ${srcIp} 198.51.${100 + (i >> 8)}.${i & 255} ${40000 + i} 22 6 1 60 ${t0} ${t0 + 1} REJECT OK`,
    );
  }
  const res = await fetch(`${baseUrl}/api/v1/flows/aws-vpc`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
    body: [...lines, ...extraLines].join('\n'),
  });
  await res.arrayBuffer();
  return res.status;
}

/** The findings on the queue (any state) that `keep` accepts, polled until there is one or 20 s passed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read findings loosely
export async function waitForFindings(queue: Queue, keep: (f: any) => boolean): Promise<any[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const jobs = await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
    const found = jobs.map((j) => j.data.finding).filter(keep);
    if (found.length || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 250));
  }
}
