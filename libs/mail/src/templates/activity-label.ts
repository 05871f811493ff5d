import { isFindingKind, type FindingKind, type FindingRole } from '@sg/queues';

/** Short names of case kinds, for subjects and headings. Unknown kinds are shown as written. */
const KIND: Record<FindingKind, string> = {
  'port-scan': 'port scan',
  'brute-force': 'brute-force login attempts',
  flood: 'traffic flood',
  amplification: 'amplification attack',
  spam: 'spam',
  'malicious-peer': 'traffic with known malicious hosts',
  mining: 'cryptocurrency mining',
};

/** What the VM is doing (source) or suffering (target), completing "Your VM ... is". */
const ACTIVITY: Record<FindingRole, Record<FindingKind, string>> = {
  source: {
    'port-scan': 'scanning the ports of other hosts, looking for services to attack',
    'brute-force': 'trying to log in to other hosts by guessing passwords (brute force)',
    flood: 'sending a flood of traffic that can overwhelm other hosts (denial of service)',
    amplification: 'answering spoofed requests with large replies, which floods a third party (amplification attack)',
    spam: 'sending e-mail in the volume and pattern of spam',
    'malicious-peer': 'exchanging traffic with hosts known to be malicious, such as botnet controllers',
    mining: 'connecting to cryptocurrency mining pools',
  },
  target: {
    'port-scan': 'being scanned by other hosts looking for services to attack',
    'brute-force': 'the target of password-guessing (brute force) login attempts',
    flood: 'receiving a flood of traffic meant to overwhelm it (denial of service)',
    amplification: 'the victim of an amplification attack',
    spam: 'receiving e-mail in the volume and pattern of spam',
    'malicious-peer': 'contacted by hosts known to be malicious',
    mining: 'contacted in a pattern typical of cryptocurrency mining',
  },
};

export const activityLabel = {
  kind(kind: string): string {
    return isFindingKind(kind) ? KIND[kind] : kind;
  },
  activity(kind: string, role: FindingRole): string {
    const known = isFindingKind(kind) ? ACTIVITY[role]?.[kind] : undefined;
    return known ?? (role === 'source' ? `showing "${kind}" activity` : `the target of "${kind}" activity`);
  },
};
