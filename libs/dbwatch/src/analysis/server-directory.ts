import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { InventoryQueryService } from '@sg/inventory';
import type { DbAlertSeverity } from '../servers/db-server-policy.entity';

/** A server with its policy (defaults when it has none), as analysis and mail need it. */
export interface WatchedServer {
  id: string;
  subscriptionId: string;
  name: string;
  host: string | null;
  policy: {
    enabled: boolean;
    recipients: string[];
    notifySubscriptionContacts: boolean;
    disabledAlertTypes: string[];
    minSeverity: DbAlertSeverity;
  };
}

/** How long a server's policy is cached by analysis (a policy change applies within this). */
const TTL_MS = 2_000;

/** Reads servers and policies (cached briefly: analysis asks once per batch) and subscription contacts. */
@Injectable()
export class ServerDirectory {
  private readonly cache = new Map<string, { at: number; server: WatchedServer | null }>();

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly inventory: InventoryQueryService,
  ) {}

  async get(serverId: string, fresh = false): Promise<WatchedServer | null> {
    const hit = this.cache.get(serverId);
    const now = Date.now();
    if (!fresh && hit && now - hit.at < TTL_MS) return hit.server;
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT s.id, s.subscription_id, s.name, s.host, p.enabled, p.recipients, p.notify_subscription_contacts,
              p.disabled_alert_types, p.min_severity
         FROM db_servers s LEFT JOIN db_server_policies p ON p.server_id = s.id
        WHERE s.id = $1`,
      [serverId],
    );
    const r = rows[0];
    const server: WatchedServer | null = r
      ? {
          id: r.id as string,
          subscriptionId: r.subscription_id as string,
          name: r.name as string,
          host: (r.host as string | null) ?? null,
          policy: {
            enabled: (r.enabled as boolean | null) ?? true,
            recipients: (r.recipients as string[] | null) ?? [],
            notifySubscriptionContacts: (r.notify_subscription_contacts as boolean | null) ?? true,
            disabledAlertTypes: (r.disabled_alert_types as string[] | null) ?? [],
            minSeverity: (r.min_severity as DbAlertSeverity | null) ?? 'low',
          },
        }
      : null;
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(serverId, { at: now, server });
    return server;
  }

  /** The subscription's contact addresses (through the inventory's query service). */
  async subscriptionContacts(subscriptionId: string): Promise<string[]> {
    return (await this.inventory.subscriptionContacts(subscriptionId)) ?? [];
  }

  /** Who gets a server's alert mail: the policy's recipients, plus the subscription's contacts if it says so. */
  async recipients(server: WatchedServer): Promise<string[]> {
    const out = [...server.policy.recipients];
    if (server.policy.notifySubscriptionContacts) out.push(...(await this.subscriptionContacts(server.subscriptionId)));
    return [...new Set(out.map((a) => a.toLowerCase()))];
  }
}
