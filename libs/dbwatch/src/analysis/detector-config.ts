/**
 * Thresholds of the login detectors, from published practice (REFERENCES.md "Login brute force"):
 * the well-known service publishes none, so these follow the open tools that do.
 */
export interface DetectorConfig {
  /** Baselines look this far back (event time); older sightings count as unseen. DBWATCH_BASELINE_WINDOW. */
  baselineWindowMs: number;
  /** No anomaly alert before a server's baseline spans this long. DBWATCH_LEARNING_PERIOD. */
  learningPeriodMs: number;
  /**
   * Brute force from one source: a leaky bucket of failed logins. CrowdSec's
   * crowdsecurity/pgsql-bf scenario: capacity 5, leaking one event per 10 s — overflow on the 6th
   * failure faster than that (hub.crowdsec.net/author/crowdsecurity/configurations/pgsql-bf).
   */
  bruteCapacity: number;
  bruteLeakMs: number;
  /**
   * User enumeration: CrowdSec's crowdsecurity/ssh-bf_user-enum shape, a leaky bucket of DISTINCT
   * user names per source, capacity 5, leaking one per 10 s.
   */
  enumCapacity: number;
  enumLeakMs: number;
  /**
   * Distributed brute force: Zeek's SSH guesser threshold, 30 failed logins in 30 min
   * (policy/protocols/ssh/detect-bruteforcing.zeek, password_guesses_limit=30,
   * guessing_timeout=30 mins), counted per server, and only when they come from at least
   * `distributedSources` addresses (fewer is one-source brute force, caught above).
   */
  distributedFailures: number;
  distributedWindowMs: number;
  distributedSources: number;
  /** A login from a source (or for a user) within this long of its brute-force alert is a successful brute force. */
  bruteSuccessWindowMs: number;
  /** Failed logins to database template1 (hydra's default) from one source that mark a tool. */
  template1Failures: number;
}

const DAY = 86_400_000;

export const DEFAULT_DETECTOR_CONFIG: DetectorConfig = {
  baselineWindowMs: 60 * DAY,
  learningPeriodMs: 7 * DAY,
  bruteCapacity: 5,
  bruteLeakMs: 10_000,
  enumCapacity: 5,
  enumLeakMs: 10_000,
  distributedFailures: 30,
  distributedWindowMs: 30 * 60_000,
  distributedSources: 10,
  bruteSuccessWindowMs: 3_600_000,
  template1Failures: 3,
};

/**
 * application_name values of known attack tools, lower case, matched as substrings. Sources: the
 * names the tools send by default or by their docs — sqlmap ("sqlmap", lib/request/connect.py
 * user agent / its psycopg2 connections), Metasploit's postgres modules ("msf", "metasploit"),
 * Nmap NSE pgsql-brute ("nmap"), THC-Hydra ("hydra"), Medusa ("medusa"), Ncrack ("ncrack"),
 * Patator ("patator"), CrackMapExec/NetExec ("crackmapexec", "nxc"), pgbrute, nuclei, havij,
 * Legba ("legba"). Real tools mostly send none, which is why behaviour is checked too.
 */
export const HARMFUL_APPLICATIONS: readonly string[] = [
  'sqlmap',
  'metasploit',
  'msf',
  'nmap',
  'hydra',
  'medusa',
  'ncrack',
  'patator',
  'crackmapexec',
  'nxc',
  'pgbrute',
  'nuclei',
  'havij',
  'legba',
  'sqlninja',
];

/** User or database name nmap's PostgreSQL version probe sends (nmap-service-probes, "pgsql" probe). */
export const NMAP_VERSION_PROBE = 'versionprobe';
