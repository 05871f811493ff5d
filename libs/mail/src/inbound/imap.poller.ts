import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ImapFlow } from 'imapflow';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { parseImapUrl } from './imap-url';
import { InboundMailService } from './inbound-mail.service';
import { MalformedMailError } from './malformed-mail.error';

const NAME = 'mail-imap-poll';
/** Messages read per poll; the rest wait for the next one. */
const BATCH = 100;

/**
 * Optional (IMAP_URL): polls a mailbox for replies, for operators who cannot route mail to the
 * built-in receiver. Unseen messages go through the same InboundMailService; a message is marked
 * seen once it is stored (a message that is not mail is stored as unparseable, since nobody could
 * refuse it any more), and so is a message over MAIL_MAX_INBOUND_BYTES, of which only that much is
 * downloaded. A failure leaves the message unseen for the next poll, and stored bytes are
 * recognised, so a message read twice is handled once.
 */
@Injectable()
export class ImapPoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ImapPoller.name);
  private running: Promise<number> | null = null;

  constructor(
    private readonly inbound: InboundMailService,
    private readonly registry: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.cfg.IMAP_URL) return;
    const timer = setInterval(() => void this.poll(), this.cfg.IMAP_POLL_INTERVAL);
    timer.unref();
    this.registry.addInterval(NAME, timer);
    void this.poll();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', NAME)) this.registry.deleteInterval(NAME);
    await this.running;
  }

  /** One poll; resolves to the number of messages stored. Overlapping polls share one run. */
  poll(): Promise<number> {
    if (!this.cfg.IMAP_URL) return Promise.resolve(0);
    this.running ??= this.pollOnce(this.cfg.IMAP_URL)
      .catch((err: Error) => {
        this.logger.warn(`IMAP poll failed: ${err.message}`);
        return 0;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async pollOnce(url: string): Promise<number> {
    const s = parseImapUrl(url);
    const client = new ImapFlow({ host: s.host, port: s.port, secure: s.secure, auth: s.auth, logger: false });
    client.on('error', (err: Error) => this.logger.warn(`IMAP: ${err.message}`));
    await client.connect();
    let stored = 0;
    try {
      const lock = await client.getMailboxLock(s.mailbox);
      try {
        // Sizes first: a message over MAIL_MAX_INBOUND_BYTES (the SMTP receiver refuses those) is
        // never downloaded whole, so a hostile one in the mailbox cannot exhaust memory.
        const unseen: { uid: number; size: number }[] = [];
        for await (const msg of client.fetch({ seen: false }, { uid: true, size: true }, { uid: true })) {
          unseen.push({ uid: msg.uid, size: msg.size ?? 0 });
          if (unseen.length >= BATCH) break;
        }
        const max = this.cfg.MAIL_MAX_INBOUND_BYTES;
        for (const m of unseen) {
          const envelope = { via: 'imap' as const, mailFrom: null, rcptTo: [] };
          const big = m.size > max;
          const msg = await client.fetchOne(String(m.uid), { source: big ? { maxLength: max } : true }, { uid: true });
          if (!msg || !msg.source) continue;
          try {
            if (big)
              await this.inbound.storeUnparseable(
                msg.source,
                envelope,
                `the message is ${m.size} bytes, more than MAIL_MAX_INBOUND_BYTES (${max}); its first ${msg.source.length} bytes are kept`,
              );
            else await this.inbound.handle(msg.source, envelope);
          } catch (err) {
            if (!(err instanceof MalformedMailError)) {
              this.logger.warn(`IMAP message ${m.uid} not stored: ${(err as Error).message}`);
              continue;
            }
            await this.inbound.storeUnparseable(msg.source, envelope, err.message);
          }
          await client.messageFlagsAdd(String(m.uid), ['\\Seen'], { uid: true });
          stored++;
        }
      } finally {
        lock.release();
      }
    } finally {
      await client.logout().catch(() => undefined);
    }
    return stored;
  }
}
