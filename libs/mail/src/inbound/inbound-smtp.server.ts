import { hostname } from 'node:os';
import type { Readable } from 'node:stream';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { InboundMailService } from './inbound-mail.service';
import { MalformedMailError } from './malformed-mail.error';

/** An error smtp-server answers with its own code (it sends `err.responseCode err.message`). */
function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

/**
 * The built-in SMTP receiver for replies (worker role, INBOUND_SMTP_PORT; 0 picks a free port,
 * see `port`). It sits behind the operator's MX, which relays mail for MAIL_REPLY_DOMAIN to it,
 * so it needs no AUTH and offers no STARTTLS (TLS ends at the MX). It takes mail only for
 * MAIL_REPLY_DOMAIN (else 550 at RCPT), refuses messages over MAIL_MAX_INBOUND_BYTES with 552,
 * refuses what is not mail with 554, and answers 451 (try again) when it cannot store a message,
 * so the sender keeps it. No error of one message reaches the process.
 */
@Injectable()
export class InboundSmtpServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InboundSmtpServer.name);
  private server: SMTPServer | null = null;
  private boundPort: number | null = null;

  constructor(
    private readonly inbound: InboundMailService,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
  ) {}

  /** The port it listens on (the real one when INBOUND_SMTP_PORT is 0), or null when not listening. */
  get port(): number | null {
    return this.boundPort;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async start(): Promise<void> {
    if (this.server) return;
    const domain = this.cfg.MAIL_REPLY_DOMAIN.toLowerCase();
    const max = this.cfg.MAIL_MAX_INBOUND_BYTES;
    const server = new SMTPServer({
      name: hostname(),
      banner: 'Safeguards reply receiver',
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      size: max,
      rejectOversized: true,
      logger: false,
      socketTimeout: 60_000,
      closeTimeout: 5_000,
      maxClients: 200,
      onRcptTo: (address: SMTPServerAddress, _session: SMTPServerSession, cb: (err?: Error | null) => void) => {
        const at = address.address.lastIndexOf('@');
        if (at < 0 || address.address.slice(at + 1).toLowerCase() !== domain) {
          return cb(smtpError(550, `5.1.1 <${address.address}>: this server takes mail for ${domain} only`));
        }
        cb();
      },
      onData: (
        stream: Readable & { sizeExceeded?: boolean },
        session: SMTPServerSession,
        cb: (err?: Error | null) => void,
      ) => {
        this.receive(stream, session).then(
          () => cb(),
          (err: Error) => cb(err),
        );
      },
    });
    server.on('error', (err: Error) => this.logger.warn(`inbound SMTP: ${err.message}`));
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        server.server.once('error', onError);
        server.listen(this.cfg.INBOUND_SMTP_PORT, this.cfg.HOST, () => {
          server.server.off('error', onError);
          resolve();
        });
      });
    } catch (err) {
      // Another worker on this machine may hold the port already; it receives the replies, and
      // this worker's queues and reconcilers must not die for it. Said loudly, once.
      this.logger.error(
        `inbound SMTP receiver not started on port ${this.cfg.INBOUND_SMTP_PORT}: ${(err as Error).message}`,
      );
      return;
    }
    this.server = server;
    this.boundPort = (server.server.address() as { port: number }).port;
    this.logger.log(`inbound SMTP receiver on ${this.cfg.HOST}:${this.boundPort} for ${domain}`);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.boundPort = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async receive(stream: Readable & { sizeExceeded?: boolean }, session: SMTPServerSession): Promise<void> {
    const max = this.cfg.MAIL_MAX_INBOUND_BYTES;
    const chunks: Buffer[] = [];
    let size = 0;
    // Read to the end in any case (the client is still sending), keeping no more than the limit.
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size <= max) chunks.push(chunk as Buffer);
    }
    if (stream.sizeExceeded || size > max) {
      throw smtpError(552, `5.3.4 message exceeds the maximum size of ${max} bytes`);
    }
    const mailFrom = session.envelope.mailFrom;
    try {
      const { message, decision } = await this.inbound.handle(Buffer.concat(chunks), {
        via: 'smtp',
        mailFrom: mailFrom ? mailFrom.address : '',
        rcptTo: session.envelope.rcptTo.map((r) => r.address),
        remoteAddress: session.remoteAddress,
      });
      this.logger.debug(
        { inboundMessageId: message.id, caseId: decision.caseId, classification: message.classification },
        'reply received',
      );
    } catch (err) {
      if (err instanceof MalformedMailError) throw smtpError(554, `5.6.0 ${err.message}`);
      this.logger.warn(`inbound message not stored: ${(err as Error).message}`);
      throw smtpError(451, '4.3.0 temporary failure, please try again later');
    }
  }
}
