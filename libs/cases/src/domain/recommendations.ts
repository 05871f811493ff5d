import { isFindingKind, type FindingKind, type FindingRole } from '@sg/queues';

/** What a case tells its owner: plain data, rendered later in e-mails and the console. */
export interface Recommendation {
  kind: string;
  role: FindingRole;
  /** One sentence: what we saw and what it means. */
  summary: string;
  /** What most often lies behind it, most likely first. */
  likelyCauses: string[];
  /** What to do, in order. */
  steps: { title: string; detail: string }[];
}

type Step = Recommendation['steps'][number];

// Steps shared by every source: a VM that attacks others is usually compromised, and building a
// clean one is quicker and safer than finding every trace of an intruder (see the team's FAQ).
const ISOLATE: Step = {
  title: 'Isolate the VM',
  detail:
    'Restrict its outbound traffic with a network security rule (allow only what you need to investigate) so the attack stops while you work.',
};
const INSPECT: Step = {
  title: 'Find the process and how it got there',
  detail:
    'List the processes holding the connections (ss -tnp or netstat -b), check recently changed files, cron jobs and services, new user accounts and authorized keys. Take a disk snapshot first if you want to investigate later.',
};
const REBUILD: Step = {
  title: 'Rebuild from a clean image and move the workload',
  detail:
    'Create a new VM from a trusted, patched image, redeploy the application and its data from source control and backups, then delete the old VM. Once a VM is compromised, finding every trace is slow and uncertain; building a new one is usually quicker.',
};
const ROTATE: Step = {
  title: 'Rotate credentials',
  detail:
    'Replace every password, SSH key, API token and cloud credential that was stored on or used from the VM, including those in environment variables and configuration files.',
};
const CLOSE_PORTS: Step = {
  title: 'Close what was exposed',
  detail:
    'Allow management ports (SSH 22, RDP 3389) and databases only from known addresses or through a bastion or just-in-time access; patch the exposed services.',
};
const ANSWER: Step = {
  title: 'Answer the notice',
  detail:
    'Reply to the e-mail if you need more time, or if this traffic is expected for this VM: describe what normal traffic looks like (peers, ports, volumes) so an exception can be considered.',
};

type Advice = Omit<Recommendation, 'kind' | 'role' | 'steps'> & { steps: Step[] };

const SOURCE: Record<FindingKind, Advice> = {
  'port-scan': {
    summary: 'The VM probes many addresses or ports of other machines: reconnaissance for further attacks.',
    likelyCauses: [
      'Malware on the VM looking for its next victims',
      'A security scanner or inventory tool run without the targets’ consent',
    ],
    steps: [INSPECT, ISOLATE, REBUILD, ROTATE, CLOSE_PORTS, ANSWER],
  },
  'brute-force': {
    summary: 'The VM repeatedly tries to log in to other machines (SSH, RDP, databases): password guessing.',
    likelyCauses: [
      'The VM is part of a botnet after its own login was guessed or a service was exploited',
      'A misconfigured client retrying with wrong credentials',
    ],
    steps: [ISOLATE, INSPECT, REBUILD, ROTATE, CLOSE_PORTS, ANSWER],
  },
  flood: {
    summary: 'The VM sends a volume of traffic that overwhelms its destination: a denial-of-service attack.',
    likelyCauses: ['The VM is controlled by a DDoS botnet', 'A load test pointed at a system that did not agree to it'],
    steps: [
      {
        title: 'Stop the traffic now',
        detail: 'Stop the process or block the destination; floods get a short deadline.',
      },
      ISOLATE,
      INSPECT,
      REBUILD,
      ROTATE,
      ANSWER,
    ],
  },
  amplification: {
    summary:
      'The VM answers small spoofed requests with large responses, reflecting a denial-of-service attack onto a victim.',
    likelyCauses: [
      'A UDP service open to the internet: DNS resolver with recursion, NTP monlist, memcached over UDP, SSDP, CLDAP, SNMP, CharGEN, WS-Discovery',
    ],
    steps: [
      {
        title: 'Close the reflector',
        detail:
          'Block the UDP port from the internet or allow only your own clients; disable open recursion (DNS), monlist (NTP), UDP (memcached).',
      },
      {
        title: 'Check the service is meant to be public',
        detail: 'Usually it is a misconfiguration, not a compromise; if it is, follow the rebuild steps.',
      },
      ANSWER,
    ],
  },
  spam: {
    summary: 'The VM sends mail to many mail servers directly: bulk or malicious e-mail.',
    likelyCauses: ['A compromised mail account or web form used to send spam', 'An open relay', 'Malware sending mail'],
    steps: [
      {
        title: 'Block outbound SMTP',
        detail: 'Allow port 25 only to your mail relay; send through an authenticated relay on port 587.',
      },
      { title: 'Check the mail server', detail: 'Make sure it is not an open relay; review its queue and logs.' },
      ROTATE,
      INSPECT,
      REBUILD,
      ANSWER,
    ],
  },
  'malicious-peer': {
    summary: 'The VM talks to addresses known for malware command-and-control or other abuse.',
    likelyCauses: ['Malware on the VM reporting to its controller', 'Software fetching from a compromised host'],
    steps: [ISOLATE, INSPECT, REBUILD, ROTATE, CLOSE_PORTS, ANSWER],
  },
  mining: {
    summary: 'The VM connects to cryptocurrency mining pools.',
    likelyCauses: [
      'A miner installed through an exposed service (Docker API, Redis, weak SSH password, vulnerable web application)',
    ],
    steps: [ISOLATE, INSPECT, REBUILD, ROTATE, CLOSE_PORTS, ANSWER],
  },
};

const RESTRICT: Step = {
  title: 'Expose less',
  detail:
    'Use network security rules so that only the ports your service needs are reachable, and management ports only from known addresses, a bastion or just-in-time access.',
};
const RATE_LIMIT_LOGINS: Step = {
  title: 'Slow down login attempts',
  detail: 'Rate-limit failed logins (for example fail2ban), lock accounts after repeated failures.',
};
const MFA: Step = {
  title: 'Use keys and MFA',
  detail: 'Disable password logins for SSH, require multi-factor authentication for RDP and administration.',
};
const DDOS: Step = {
  title: 'Turn on DDoS protection',
  detail:
    'Use the cloud provider’s DDoS protection for public addresses, put the service behind a CDN or load balancer that absorbs volume, and rate-limit per client.',
};
const NO_ACTION: Step = {
  title: 'Nothing is required of you',
  detail: 'This notice is for your information; no deadline applies to an attacked VM.',
};

const TARGET: Partial<Record<FindingKind, Advice>> = {
  'port-scan': {
    summary: 'Other machines probe the VM’s ports, looking for services to attack.',
    likelyCauses: ['Background scanning of the internet, or a targeted reconnaissance'],
    steps: [RESTRICT, NO_ACTION],
  },
  'brute-force': {
    summary: 'Other machines repeatedly try to log in to the VM.',
    likelyCauses: ['Automated password guessing against an exposed SSH, RDP or database port'],
    steps: [RESTRICT, RATE_LIMIT_LOGINS, MFA, NO_ACTION],
  },
  flood: {
    summary: 'The VM receives a volume of traffic meant to overwhelm it: a denial-of-service attack.',
    likelyCauses: ['A DDoS attack on the service the VM runs'],
    steps: [DDOS, RESTRICT, NO_ACTION],
  },
  amplification: {
    summary: 'The VM receives large responses from many reflectors: a reflected denial-of-service attack.',
    likelyCauses: ['Someone spoofs the VM’s address in requests to open UDP services'],
    steps: [
      DDOS,
      {
        title: 'Filter reflector ports',
        detail: 'If the service does not use them, drop inbound UDP from ports 19, 53, 123, 161, 389, 1900, 11211.',
      },
      NO_ACTION,
    ],
  },
  spam: {
    summary: 'The VM receives mail from many unknown senders.',
    likelyCauses: ['Spam campaigns against a mail server the VM runs'],
    steps: [
      {
        title: 'Filter mail',
        detail: 'Use spam filtering, SPF, DKIM and DMARC checks, and rate limits per sender.',
      },
      NO_ACTION,
    ],
  },
  'malicious-peer': {
    summary: 'Addresses known for abuse contact the VM.',
    likelyCauses: ['Scanning or exploitation attempts from known-bad infrastructure'],
    steps: [
      {
        title: 'Block the addresses',
        detail: 'Deny them in a network security rule and check logs for any successful contact.',
      },
      RESTRICT,
      NO_ACTION,
    ],
  },
};

const GENERIC_SOURCE = {
  summary: 'The VM shows aggressive behaviour towards other machines.',
  likelyCauses: ['A compromise of the VM, or software misbehaving'],
  steps: [ISOLATE, INSPECT, REBUILD, ROTATE, CLOSE_PORTS, ANSWER],
};
const GENERIC_TARGET = {
  summary: 'Other machines behave aggressively towards the VM.',
  likelyCauses: ['An attack on the service the VM runs'],
  steps: [RESTRICT, MFA, DDOS, NO_ACTION],
};

/** What probably happened and what to do, for a case's kind and role. Kinds added later get generic advice. */
export function recommendationsFor(kind: string, role: FindingRole): Recommendation {
  const known = isFindingKind(kind) ? (role === 'source' ? SOURCE[kind] : TARGET[kind]) : undefined;
  const r = known ?? (role === 'source' ? GENERIC_SOURCE : GENERIC_TARGET);
  return { kind, role, summary: r.summary, likelyCauses: [...r.likelyCauses], steps: r.steps.map((s) => ({ ...s })) };
}
