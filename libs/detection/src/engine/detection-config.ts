/**
 * Every threshold of the detection engine, with its default and where the default comes from.
 * The README.md beside this file has the same defaults as a table. The sources are the ones in
 * /work/shared/REFERENCES.md; where no published figure exists the comment gives the reasoning.
 * Defaults must not be tuned to the shared scenarios: detection is judged on unseen traffic.
 */

/** A login service watched for brute force and the per-flow packet range of one login attempt. */
export interface AuthPortProfile {
  port: number;
  service: string;
  /** Client->server packets of one attempt, inclusive. */
  minPackets: number;
  maxPackets: number;
  /**
   * One attempt is one whole encrypted session of a near-constant size (SSH): the lower
   * alike-session count of `bruteForce.alikeSessions` applies to this port.
   */
  alike?: boolean;
  /**
   * Watched by the distributed rule (all sources together): an interactive login, where a session
   * that logs in goes on to work. Not mail, directory, cache or file-drop services, whose ordinary
   * clients (pollers, binds, uploads) make short successful sessions from many hosts.
   */
  distributed?: boolean;
}

/** A UDP service that can be abused as a reflector, with the US-CERT TA14-017A factor. */
export interface AmplificationPort {
  port: number;
  service: string;
  /** Published bandwidth amplification factor (payload bytes), lower bound. */
  factor: number;
  /** Response/request byte ratio (IP bytes, as flow records count them) that marks a reflector. */
  minRatio: number;
}

/** Login services (besides SSH) that the distributed brute-force rule watches. */
const DISTRIBUTED_SERVICES = new Set([
  'vmware-authd',
  'rdp',
  'vnc',
  'telnet',
  'mssql',
  'mysql',
  'postgresql',
  'oracle',
  'smb',
  'winrm',
  'winrm-tls',
]);

export interface DetectionConfig {
  /** Width of one event-time bucket. */
  bucketMs: number;
  /** Buckets in a detection window (window = bucketMs * windowBuckets). */
  windowBuckets: number;
  /** How far behind a VM's newest bucket a record may be and still count; must be < the window. */
  allowedLatenessMs: number;
  /** Records stamped further than this after the wall clock are dropped (broken exporter clocks). */
  maxFutureSkewMs: number;
  /** A VM side that receives no record for this long (engine clock) is evicted, its incidents ended. */
  idleTimeoutMs: number;
  /** An incident ends after this many window steps without the rule firing. */
  endQuietBuckets: number;
  /** Floor of the time span rates are averaged over (FastNetMon averages over 5 s). */
  minRateSpanMs: number;
  /**
   * Wall-clock spacing of eager looks at one VM side's open bucket (when its counters show a rule
   * may fire before the bucket closes); a side under attack is not re-evaluated for every batch.
   */
  eagerIntervalMs: number;

  limits: {
    /** Heavy peers kept per VM side and bucket (space-saving). */
    topK: number;
    /** Probe (peer, port) pairs kept per VM side for scan detection. */
    scanPairs: number;
    /** (peer, auth port) rows kept per VM side for brute-force detection. */
    bruteRows: number;
    /** Rows of the small per-side tables (spam servers, listed peers, pools). */
    smallRows: number;
    /** Distinct values counted exactly before a counter becomes a HyperLogLog. */
    exactDistinct: number;
    /** HyperLogLog precision p (2^p one-byte registers, standard error 1.04/sqrt(2^p)). */
    hllPrecision: number;
  };

  portScan: {
    /** Zeek scan policy: 25 hosts with failed connections on one port in 5 min. */
    horizontalHosts: number;
    /** Zeek scan policy: 15 ports with failed connections on one host in 5 min. */
    verticalPorts: number;
    /**
     * Threshold Random Walk guard (Jung et al. 2004): every failed first contact multiplies the
     * likelihood ratio by 4, every success by 0.25; 4 net failures pass eta1 = 0.99/0.01.
     */
    trwNetFailures: number;
    /**
     * Failed pairs seen in at least this many buckets on average are a health check of known
     * hosts (a monitor re-testing the same hosts every minute), not discovery.
     */
    periodicBuckets: number;
    /** Flag-less TCP flows of at most this many header-only packets count as probes (SYN + 2 retries). */
    maxProbePackets: number;
    /** UDP ports never counted as probe targets (traceroute's 33434-33534). */
    ignoreUdpPorts: [number, number];
  };

  bruteForce: {
    ports: AuthPortProfile[];
    /** One attacker -> one target: login-like sessions in the window. */
    oneToOneSessions: number;
    /** One VM -> many targets: targets that each got at least `perTargetSessions`. */
    oneToManyTargets: number;
    perTargetSessions: number;
    /** Many attackers -> one VM (distributed): attackers that each made `perTargetSessions`. */
    manyToOneAttackers: number;
    /**
     * One attacker -> one target on an `alike` port: sessions of near-equal size, started within
     * `alikeBuckets` adjacent buckets, that mark one tool repeating one attempt.
     */
    alikeSessions: number;
    /** Sessions within this many client packets of the median session size are alike. */
    alikePackets: number;
    /** Share of the pair's sessions in the window that must be alike. */
    alikeShare: number;
    /** Adjacent buckets that must hold `alikeSessions` alike sessions (a burst, not a periodic job). */
    alikeBuckets: number;
    /**
     * Distributed brute force against one service of one VM (target side, all sources together):
     * distinct sources of login-sized sessions, login-sized sessions, and their least share of all
     * the service's sessions in the window.
     */
    distributedSources: number;
    distributedSessions: number;
    distributedShortShare: number;
  };

  flood: {
    /** Whole-VM inbound limits (FastNetMon per-host defaults). */
    targetPps: number;
    targetMbps: number;
    targetFlowsPerSec: number;
    /** Inbound half-open (SYN-only) packets per second that mark a SYN flood whatever the total. */
    targetSynPps: number;
    /** Toward/from one peer: SYN-only packets per second. */
    peerSynPps: number;
    /** Toward/from one peer: UDP to many ports, unanswered. */
    peerUdpPps: number;
    /** Toward/from one peer: UDP to a fixed port, unanswered (telemetry and media are one-way). */
    peerUdpFixedPortPps: number;
    peerIcmpPps: number;
    /** Toward/from one peer: any protocol, unanswered. */
    peerMbps: number;
    /** FastNetMon: an attack is of one protocol when it holds more than 90% of the packets. */
    protocolShare: number;
    /** A peer that answers with more than this share of the packets is in a conversation. */
    maxReplyShare: number;
    /** Distinct destination ports that make a one-peer UDP stream "random-port". */
    randomPorts: number;
  };

  amplification: {
    ports: AmplificationPort[];
    /** Reflector: response packets the VM sent from amplification ports in the window. */
    reflectorMinPackets: number;
    /** Victim: response packets received from amplification ports in the window. */
    victimMinPackets: number;
    victimMinAvgBytes: number;
    /** Victim: received response bytes per byte of the VM's own requests (unsolicited). */
    victimMinRatio: number;
    victimMinSources: number;
    /**
     * Victim, whatever the volume: distinct sources whose UDP from amplification ports the
     * network DENIED (a stateful firewall admits the answers to the VM's own requests, so denied
     * ones are unsolicited by construction; Azure NSG logs carry no counters for denied flows).
     */
    victimMinDeniedSources: number;
    /**
     * TCP reflection victim: distinct sources of header-only SYN-ACKs the VM did not solicit (no
     * SYN of its own to that host and port: not a pair it reached or probed) or, without TCP
     * flags, of header-only TCP from a service port denied by a stateful firewall.
     */
    tcpReflectionMinSources: number;
    /** Spoofed requests: small requests to many reflectors with (almost) no answers. */
    spoofMinPackets: number;
    spoofMaxAvgBytes: number;
    spoofMinDestinations: number;
    spoofMaxAnswerRatio: number;
  };

  spam: {
    ports: number[];
    /** Distinct mail servers contacted in the window. */
    minServers: number;
  };

  maliciousPeer: {
    /** Flows with listed peers in the window before a finding opens. */
    minFlows: number;
    /** Category reported first when a peer is on several lists. */
    categoryOrder: string[];
  };

  mining: {
    /** Threat-list category of mining pools. */
    category: string;
    stratumPorts: number[];
    /** Buckets of the window with traffic to the same pool (a miner stays connected). */
    minBuckets: number;
    /** More distinct "pools" than this is a client of a service, not a miner. */
    maxPools: number;
    /** Stratum messages are small JSON lines. */
    maxAvgPacketBytes: number;
  };
}

/** Deep partial, so callers override single thresholds. */
export type DetectionConfigInput = {
  [K in keyof DetectionConfig]?: DetectionConfig[K] extends unknown[]
    ? DetectionConfig[K]
    : DetectionConfig[K] extends object
      ? Partial<DetectionConfig[K]>
      : DetectionConfig[K];
};

export const DEFAULT_DETECTION_CONFIG: DetectionConfig = {
  bucketMs: 60_000,
  // Zeek's scan policy and most of the rules below are stated over 5 minutes.
  windowBuckets: 5,
  // NetFlow active timeouts (60 s) and cloud log aggregation (1 min) reorder records by about a minute.
  allowedLatenessMs: 120_000,
  maxFutureSkewMs: 300_000,
  // Idleness is measured by delivery on the engine clock, so late but steady sources (AWS flow logs
  // 1-10 min behind) are not idle; 15 min of silence is three windows.
  idleTimeoutMs: 900_000,
  endQuietBuckets: 2,
  minRateSpanMs: 5_000,
  // Well under the 1 s the first finding of an attack may take; at most 4 looks a second per side.
  eagerIntervalMs: 250,

  limits: {
    topK: 4,
    scanPairs: 1024,
    bruteRows: 256,
    smallRows: 256,
    exactDistinct: 64,
    // 1.04/sqrt(4096) = 1.6% standard error, 4 KB per bucket (only for sides past exactDistinct).
    hllPrecision: 12,
  },

  portScan: {
    horizontalHosts: 25,
    verticalPorts: 15,
    trwNetFailures: 4,
    periodicBuckets: 3,
    maxProbePackets: 3,
    ignoreUdpPorts: [33434, 33534],
  },

  bruteForce: {
    // SSHCure: one SSH login attempt is a client flow of 11-51 packets. No per-flow figure is
    // published for the others; 4 packets is the least that carries credentials (SYN, ACK,
    // request, FIN) and SSHCure's 51 is kept as the ceiling that separates sessions and transfers.
    ports: [
      { port: 22, service: 'ssh', minPackets: 11, maxPackets: 51, alike: true, distributed: true },
      // The most common alternate SSH port: the same protocol, so SSHCure's bounds.
      { port: 2222, service: 'ssh-alt', minPackets: 11, maxPackets: 51, alike: true, distributed: true },
      // VMware's authentication daemon (vmware-authd), a line protocol: one login needs at least
      // SYN, ACK, USER, PASS, FIN and the last ACK from the client (6); a banner grab (4-5) is no login.
      { port: 902, service: 'vmware-authd', minPackets: 6, maxPackets: 51, distributed: true },
      ...(
        [
          [3389, 'rdp'],
          [1433, 'mssql'],
          [3306, 'mysql'],
          [5432, 'postgresql'],
          [5985, 'winrm'],
          [5986, 'winrm-tls'],
          [21, 'ftp'],
          [23, 'telnet'],
          [465, 'smtps'],
          [587, 'submission'],
          [110, 'pop3'],
          [143, 'imap'],
          [993, 'imaps'],
          [995, 'pop3s'],
          [389, 'ldap'],
          [636, 'ldaps'],
          [5900, 'vnc'],
          [6379, 'redis'],
          [27017, 'mongodb'],
          // SMB (NTLM session setup) and Oracle's listener: both long guessed by worms and tools
          // (hydra, medusa, ncrack list them), neither a service clients reconnect to every few seconds.
          [445, 'smb'],
          [1521, 'oracle'],
        ] as const
      ).map(([port, service]) => ({
        port,
        service,
        minPackets: 4,
        maxPackets: 51,
        // Interactive logins and the services guessed from the internet whose clients are few and
        // stay connected (remote desktops, shells, databases, SMB, WinRM). POP3/IMAP pollers, mail
        // submission, LDAP binds, Redis/MongoDB clients and FTP uploads (cameras, scanners) make short
        // successful sessions from many hosts: only the per-source rules watch those.
        distributed: DISTRIBUTED_SERVICES.has(service),
      })),
    ],
    // Zeek: 30 failed logins; CrowdSec ssh-bf leaks one event per 10 s, i.e. 30 in 5 min sustained.
    oneToOneSessions: 30,
    // SSHCure's scan phase starts at 10 targets; 10 sessions per target is twice the fail2ban ban
    // count (5), so a monitor logging in once a minute (5 per window) stays below.
    oneToManyTargets: 10,
    perTargetSessions: 10,
    manyToOneAttackers: 20,
    // CrowdSec ssh-slow-bf overflows at 10 events (fail2ban bans at 5 failures in 10 min). Flows
    // cannot see failures, so the lower count needs the shape of automated guessing: SSHCure's
    // brute-force phase is flows of one size (it calls a deviation of >= 5 packets something
    // else), so 80% of the sessions within 5 packets of their median (two outliers in ten: a
    // retransmission, the final success); and the 10 alike sessions within 2 one-minute buckets
    // (>= 5 a minute; a guessing tool starts attempts back to back, the Zeek sshguess trace makes
    // 11 in 70 s) so that periodic logins of a monitor or HA check (a few a minute at most) and
    // people or automation doing real work (sessions of varied sizes) stay under the 30 above.
    alikeSessions: 10,
    alikePackets: 5,
    alikeShare: 0.8,
    alikeBuckets: 2,
    // Distributed guessing (Javed & Paxson, "Detecting Stealthy, Distributed SSH Brute-Forcing",
    // ACM CCS 2013: hundreds of sources with a few attempts each, seen only in the target's aggregate
    // failures; Defender for Cloud's many-to-one shape). No per-flow count is published, so: 50
    // sources, twice Zeek's 25 distinct hosts of a scan and above the 20 attackers of many-to-one;
    // 60 login-sized sessions, twice Zeek's 30 failed logins; and at least 80% of the service's
    // sessions login-sized: Threshold Random Walk (Jung et al. 2004) takes 0.8 as a benign
    // population's success rate, so a population failing 80% is guessing. A busy legitimate service
    // (users who log in and then work: longer sessions, more bytes) stays far under that share.
    distributedSources: 50,
    distributedSessions: 60,
    distributedShortShare: 0.8,
  },

  flood: {
    // FastNetMon per-host defaults.
    targetPps: 20_000,
    targetMbps: 1_000,
    targetFlowsPerSec: 3_500,
    // 5% of FastNetMon's pps: a thousand connections a second that never complete is no client
    // population; Linux keeps ~1024 half-open entries for ~63 s (5 SYN-ACK retries), ~16/s.
    targetSynPps: 1_000,
    // Toward ONE destination the FastNetMon host limits are far too high: an unprotected server's
    // SYN backlog is exhausted by ~16 half-open connections/s, and no legitimate client leaves
    // hundreds of connections per second unanswered.
    peerSynPps: 200,
    // Unanswered UDP to many ports of one host is never a service; 1,000 pps of ~1 KB datagrams
    // is 8 Mbit/s, enough to fill a small uplink.
    peerUdpPps: 1_000,
    // One-way UDP to one port exists (syslog, NetFlow export, RTP media at ~4,500 pps for 50 Mbit/s);
    // the limit sits above those, at half of FastNetMon's host limit.
    peerUdpFixedPortPps: 10_000,
    // ping sends 1/s; even `ping -f` on a LAN stays in the hundreds.
    peerIcmpPps: 500,
    peerMbps: 1_000,
    protocolShare: 0.9,
    maxReplyShare: 0.1,
    randomPorts: 15,
  },

  amplification: {
    // Flow records count IP bytes: each packet carries 28 bytes of IP/UDP header, which
    // compresses a payload ratio 2-3x for small requests. minRatio is a third of the published
    // lower factor, clamped to [4, 20]: above legitimate answers (DNS A ~2-4x, NTP time 1x).
    ports: (
      [
        [53, 'dns', 28],
        [123, 'ntp', 556],
        [161, 'snmp', 6],
        [389, 'cldap', 56],
        [1900, 'ssdp', 30],
        [3702, 'ws-discovery', 150],
        [5353, 'mdns', 10],
        [11211, 'memcached', 10_000],
        [19, 'chargen', 358],
        [17, 'qotd', 140],
        [111, 'portmap', 7],
        [137, 'netbios', 3.8],
      ] as const
    ).map(([port, service, factor]) => ({
      port,
      service,
      factor,
      minRatio: Math.min(20, Math.max(4, Math.round(factor / 3))),
    })),
    // The same reflected volume makes a VM a reflector on one end and a victim on the other.
    reflectorMinPackets: 500,
    victimMinPackets: 500,
    // Above an NTP time reply (76 B) and a typical DNS answer (~100-150 B).
    victimMinAvgBytes: 200,
    // A VM's own lookups bring back at most ~20x their bytes (DNSSEC); 50x is traffic it never asked for.
    victimMinRatio: 50,
    victimMinSources: 1,
    // A VM's own lookups go to a handful of resolvers/NTP servers and their answers pass the
    // stateful firewall; 25 distinct reflectors whose traffic was denied cannot be an accident
    // (the same distinct-host count as Zeek's horizontal scan).
    victimMinDeniedSources: 25,
    // A host answers SYN-ACK only to a SYN. Hundreds of hosts answering SYNs the VM never sent
    // means its address is the spoofed source of SYNs sent to them (TCP reflection, Kührer et al.
    // 2014, "Hell of a Handshake"; StopDDoS files it under amplification): 100 is four times the
    // 25 distinct hosts of Zeek's scan rule, so stray late answers or resets never add up to it.
    tcpReflectionMinSources: 100,
    spoofMinPackets: 1_000,
    spoofMaxAvgBytes: 100,
    spoofMinDestinations: 10,
    spoofMaxAnswerRatio: 0.5,
  },

  spam: {
    ports: [25],
    // No published count (REFERENCES): the usual shape is fan-out to distinct mail servers.
    // 50 in 5 min (10 a minute) is beyond a small organisation's own mail server; relays that
    // legitimately exceed it get an exception rule.
    minServers: 50,
  },

  maliciousPeer: {
    minFlows: 1,
    categoryOrder: ['c2', 'botnet', 'malware', 'drop', 'edrop', 'spam', 'scanner', 'tor'],
  },

  mining: {
    category: 'mining',
    stratumPorts: [3333, 4444, 5555, 7777, 14444, 14433, 45700],
    minBuckets: 3,
    maxPools: 3,
    maxAvgPacketBytes: 400,
  },
};

/** Merges overrides into the defaults (one level deep; arrays replace). */
export function resolveDetectionConfig(input: DetectionConfigInput = {}): DetectionConfig {
  const out = { ...DEFAULT_DETECTION_CONFIG } as Record<string, unknown>;
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined) continue;
    const base = (DEFAULT_DETECTION_CONFIG as unknown as Record<string, unknown>)[k];
    out[k] =
      base && typeof base === 'object' && !Array.isArray(base) && typeof v === 'object' && !Array.isArray(v)
        ? { ...(base as object), ...(v as object) }
        : v;
  }
  const cfg = out as unknown as DetectionConfig;
  if (cfg.bucketMs <= 0 || cfg.windowBuckets < 1)
    throw new Error('detection config: bucketMs and windowBuckets must be positive');
  if (cfg.allowedLatenessMs >= cfg.bucketMs * cfg.windowBuckets) {
    throw new Error('detection config: allowedLatenessMs must be shorter than the window');
  }
  return cfg;
}

/**
 * How much event time the engine holds for a VM side: the window, the allowed lateness and the
 * open bucket (the ring of W + L + 1 buckets). A detector that starts replays this much of the
 * flow stream before the first record it has not analysed, so its windows are whole again; the
 * stream keeps at least this much (libs/flowbus, streamMaxAgeMs).
 */
export function replayHorizonMs(cfg: DetectionConfig = DEFAULT_DETECTION_CONFIG): number {
  return (cfg.windowBuckets + Math.ceil(cfg.allowedLatenessMs / cfg.bucketMs) + 1) * cfg.bucketMs;
}
