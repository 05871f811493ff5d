import { parseAddress, parseCidr, PrefixSet, type Cidr } from '@sg/common';
import type { SuppressibleFinding } from './suppressible-finding';
import type { SuppressionRuleDocument } from './suppression-rule-document';

/**
 * Decides whether an approved exception covers a finding — the cases module checks findings with
 * it, so a finding re-sent before detection loaded a new rule still opens no case. Conservative where the
 * evidence is missing: a rule restricted to peers or ports does not cover a finding that names no
 * peers or ports, because nothing shows the traffic stayed inside the exception.
 */
export class SuppressionMatcher {
  private readonly compiled: { rule: SuppressionRuleDocument; prefixes: PrefixSet | null; expires: number }[];

  constructor(rules: readonly SuppressionRuleDocument[]) {
    this.compiled = rules.map((rule) => ({
      rule,
      prefixes: rule.peerPrefixes?.length
        ? new PrefixSet(rule.peerPrefixes.map((p) => parseCidr(p)).filter((c): c is Cidr => c !== null))
        : null,
      expires: rule.expiresAt ? Date.parse(rule.expiresAt) : Infinity,
    }));
  }

  get size(): number {
    return this.compiled.length;
  }

  match(f: SuppressibleFinding): SuppressionRuleDocument | null {
    const at = Date.parse(f.lastSeen);
    for (const { rule, prefixes, expires } of this.compiled) {
      if (rule.kind !== f.kind) continue;
      if (rule.role && rule.role !== f.role) continue;
      if (rule.scope.vmId && rule.scope.vmId !== f.vmId) continue;
      if (rule.scope.deploymentId && rule.scope.deploymentId !== f.deploymentId) continue;
      if (rule.scope.subscriptionId && rule.scope.subscriptionId !== f.subscriptionId) continue;
      if (at >= expires) continue;
      if (prefixes && !peersInside(f, prefixes)) continue;
      if (rule.ports?.length && !portsInside(f, rule.ports)) continue;
      return rule;
    }
    return null;
  }
}

function peersInside(f: SuppressibleFinding, prefixes: PrefixSet): boolean {
  if (!f.topPeers.length) return false;
  return f.topPeers.every((p) => {
    const a = parseAddress(p.ip);
    if (!a) return false;
    return a.family === 4 ? prefixes.containsV4(a.v4) : prefixes.containsV6(a.v6, 0);
  });
}

function portsInside(f: SuppressibleFinding, ports: readonly number[]): boolean {
  const list = f.ports ?? [];
  return list.length > 0 && list.every((p) => ports.includes(p));
}
