import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, parseIPv4, parseIPv6, PrefixSet, type AppConfig } from '@sg/common';
import { listenForChanges, type RedisClient } from '@sg/queues';
import { AddressIndex, AddressIndexBuilder } from './address-index';
import { InventoryRepository } from './inventory.repository';
import { VmRegistry } from './vm-registry';

/** Redis channel on which a process announces that it changed the inventory. */
export const INVENTORY_CHANGED_CHANNEL = 'sg:inventory:changed';

export interface VmOwner {
  vmId: string;
  vmName: string;
  deploymentId: string;
  subscriptionId: string;
}

/**
 * Holds this process's in-memory address index and keeps it current: a writer rebuilds at once
 * and announces the change on Redis; every other process rebuilds on the announcement, and a
 * periodic version check (INVENTORY_REFRESH) catches an announcement lost while Redis was away.
 * A rebuild swaps in a new immutable index, so readers on the hot path never see a half-built one.
 */
@Injectable()
export class InventoryIndexService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(InventoryIndexService.name);
  readonly registry = new VmRegistry();
  readonly internal: PrefixSet;
  private current: AddressIndex = AddressIndex.empty();
  private loadedVersion = -1;
  private reloading: Promise<void> | null = null;
  private reloadAgain = false;
  private subscriber: RedisClient | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly repo: InventoryRepository,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
  ) {
    this.internal = new PrefixSet(cfg.CLOUD_PREFIXES);
  }

  async onModuleInit(): Promise<void> {
    await this.reload();
    const notices = listenForChanges(this.cfg, 'safeguards-inventory-sub', INVENTORY_CHANGED_CHANNEL, {
      onNotice: (version) => {
        if (Number(version) > this.loadedVersion) void this.reload();
      },
      onReconnect: () => void this.refreshIfStale(),
      onSubscribeError: (err) =>
        this.logger.warn(`inventory change subscription failed, relying on periodic refresh: ${err.message}`),
    });
    this.subscriber = notices.subscriber;
    await notices.subscribed;
    this.timer = setInterval(() => void this.refreshIfStale(), this.cfg.INVENTORY_REFRESH);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.subscriber?.disconnect();
    await this.reloading;
  }

  /** The current index; take it once per batch and use it for the whole batch. */
  get index(): AddressIndex {
    return this.current;
  }

  get version(): number {
    return this.loadedVersion;
  }

  /** Owner of an address at a time (cold path: API, tools). */
  lookup(ip: string, atMs: number): VmOwner | null {
    const v4 = parseIPv4(ip);
    const slot = v4 >= 0 ? this.current.lookupV4(v4, atMs) : this.lookupV6(ip, atMs);
    return slot < 0 ? null : this.owner(slot);
  }

  owner(slot: number): VmOwner {
    const r = this.registry;
    return {
      vmId: r.ids[slot],
      vmName: r.names[slot],
      deploymentId: r.deploymentIds[slot],
      subscriptionId: r.subscriptionIds[slot],
    };
  }

  async refreshIfStale(): Promise<void> {
    try {
      if ((await this.repo.version()) !== this.loadedVersion) await this.reload();
    } catch (err) {
      this.logger.warn(`inventory version check failed: ${(err as Error).message}`);
    }
  }

  /** Rebuilds from PostgreSQL. Concurrent calls coalesce into at most one more rebuild. */
  reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      try {
        do {
          this.reloadAgain = false;
          await this.rebuild();
        } while (this.reloadAgain);
      } finally {
        this.reloading = null;
      }
    })();
    return this.reloading;
  }

  private async rebuild(): Promise<void> {
    const started = Date.now();
    const { version, rows } = await this.repo.loadAddresses();
    const b = new AddressIndexBuilder();
    for (const row of rows) {
      const slot = this.registry.slotFor(row.vmId, row.deploymentId, row.subscriptionId, row.vmName);
      const from = row.fromMs ?? -Infinity;
      const to = row.toMs ?? Infinity;
      if (row.family === 4) b.addV4(slot, parseIPv4(row.ip), from, to);
      else b.addV6(slot, parseIPv6(row.ip)!, from, to);
    }
    this.current = b.build();
    this.loadedVersion = version;
    this.logger.log(
      { version, addresses: this.current.addresses, ms: Date.now() - started },
      'inventory address index rebuilt',
    );
  }

  private lookupV6(ip: string, atMs: number): number {
    const w = parseIPv6(ip);
    return w ? this.current.lookupV6(w, 0, atMs) : -1;
  }
}
