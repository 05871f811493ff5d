import { PrefixSet, parseAddress, parseCidr, type Cidr } from '@sg/common/ip';
import type { Finding } from './finding';
import type { SuppressionRule } from './suppression-rule';

interface CompiledRule {
  rule: SuppressionRule;
  prefixes: PrefixSet | null;
  ports: Set<number> | null;
  expiresAtMs: number;
}

/**
 * The exception rules in force, compiled once. Replaced as a whole (`DetectionEngine.
 * setSuppressionRules`), so a match never sees half a rule set.
 */
export class SuppressionSet {
  private readonly compiled: CompiledRule[];

  constructor(rules: readonly SuppressionRule[] = []) {
    this.compiled = rules.map((rule) => {
      let prefixes: PrefixSet | null = null;
      if (rule.peerPrefixes && rule.peerPrefixes.length > 0) {
        const cidrs: Cidr[] = [];
        for (const p of rule.peerPrefixes) {
          const c = parseCidr(p);
          if (!c) throw new Error(`suppression rule ${rule.id}: bad prefix "${p}"`);
          cidrs.push(c);
        }
        prefixes = new PrefixSet(cidrs);
      }
      let expiresAtMs = Infinity;
      if (rule.expiresAt !== undefined) {
        expiresAtMs = typeof rule.expiresAt === 'number' ? rule.expiresAt : Date.parse(rule.expiresAt);
        if (Number.isNaN(expiresAtMs)) throw new Error(`suppression rule ${rule.id}: bad expiresAt`);
      }
      return {
        rule,
        prefixes,
        ports: rule.ports && rule.ports.length > 0 ? new Set(rule.ports) : null,
        expiresAtMs,
      };
    });
  }

  get size(): number {
    return this.compiled.length;
  }

  /** The first rule that covers the finding, or undefined. */
  match(f: Finding): { ruleId: string; reason: string } | undefined {
    const seen = Date.parse(f.lastSeen);
    for (const c of this.compiled) {
      const r = c.rule;
      if (r.kind !== f.kind) continue;
      if (r.role && r.role !== f.role) continue;
      if (seen >= c.expiresAtMs) continue;
      if (r.scope.vmId !== undefined && r.scope.vmId !== f.vmId) continue;
      if (r.scope.deploymentId !== undefined && r.scope.deploymentId !== f.deploymentId) continue;
      if (r.scope.subscriptionId !== undefined && r.scope.subscriptionId !== f.subscriptionId) continue;
      if (c.prefixes && !this.peersInside(c.prefixes, f)) continue;
      if (c.ports && (f.ports.length === 0 || f.ports.some((p) => !(c.ports as Set<number>).has(p)))) continue;
      return { ruleId: r.id, reason: r.reason };
    }
    return undefined;
  }

  private peersInside(prefixes: PrefixSet, f: Finding): boolean {
    if (f.topPeers.length === 0) return false;
    for (const p of f.topPeers) {
      const a = parseAddress(p.ip);
      if (!a) return false;
      const inside = a.family === 4 ? prefixes.containsV4(a.v4) : prefixes.containsV6(a.v6, 0);
      if (!inside) return false;
    }
    return true;
  }
}
