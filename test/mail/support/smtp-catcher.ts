import PostalMime from 'postal-mime';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';

export interface CaughtMail {
  raw: Buffer;
  from: string;
  to: string[];
  mail: PostalMime.Email;
  /** Header value by lower-case name. */
  header: (name: string) => string | undefined;
}

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 that keeps what it receives: the outbound side's
 * mail catcher. It can be stopped and started again on the same port (an SMTP outage), and told
 * to refuse recipients with 550 (a permanent failure).
 */
export class SmtpCatcher {
  readonly received: CaughtMail[] = [];
  readonly refuse = new Set<string>();
  private server: SMTPServer | null = null;

  private constructor(public port: number) {}

  static async start(port = 0): Promise<SmtpCatcher> {
    const c = new SmtpCatcher(port);
    await c.listen();
    return c;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      closeTimeout: 500,
      onRcptTo: (a: SMTPServerAddress, _s: SMTPServerSession, cb: (err?: Error | null) => void) =>
        this.refuse.has(a.address.toLowerCase())
          ? cb(Object.assign(new Error('5.1.1 no such mailbox'), { responseCode: 550 }))
          : cb(),
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (d: Buffer) => chunks.push(d));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          PostalMime.parse(raw).then(
            (mail) => {
              this.received.push({
                raw,
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
                mail,
                header: (name) => mail.headers.find((h) => h.key === name.toLowerCase())?.value,
              });
              cb();
            },
            (err: Error) => cb(err),
          );
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as { port: number }).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  withMessageId(messageId: string): CaughtMail[] {
    return this.received.filter((m) => m.mail.messageId === `<${messageId}>`);
  }
}
