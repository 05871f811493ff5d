import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { bareAddress } from './mail-address';
import type { OutboxEntity } from './outbox.entity';

export interface SendResult {
  accepted: string[];
  rejected: string[];
  response: string;
}

/**
 * The SMTP client (nodemailer) to SMTP_URL. Time-outs are short: a job that hangs on a dead server
 * holds a worker slot, and the queue retries anyway. TLS options go in the URL's query string
 * (nodemailer reads e.g. `smtp://host:25/?requireTLS=true`).
 */
@Injectable()
export class MailTransport implements OnApplicationShutdown {
  private readonly transporter: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(@Inject(APP_CONFIG) private readonly cfg: AppConfig) {
    this.transporter = nodemailer.createTransport({
      url: cfg.SMTP_URL,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    } as SMTPTransport.Options);
  }

  async send(row: OutboxEntity): Promise<SendResult> {
    const info = await this.transporter.sendMail({
      from: this.cfg.MAIL_FROM,
      to: row.recipients,
      replyTo: row.replyTo,
      subject: row.subject,
      text: row.text,
      html: row.html,
      messageId: `<${row.messageId}>`,
      inReplyTo: row.inReplyTo ? `<${row.inReplyTo}>` : undefined,
      references: row.references.length ? row.references.map((r) => `<${r}>`) : undefined,
      // Bounces go to the case's reply address, where the inbound side matches them to the case
      // and marks the failing recipients (the envelope sender is what a DSN is sent to).
      envelope: { from: row.caseId ? row.replyTo : bareAddress(this.cfg.MAIL_FROM), to: row.recipients },
      headers: {
        'Auto-Submitted': 'auto-generated',
        // Ask Exchange not to send out-of-office answers to notices; delivery reports still come.
        'X-Auto-Response-Suppress': 'OOF, AutoReply',
        'X-Safeguards-Template': row.template,
      },
    });
    return {
      accepted: (info.accepted ?? []).map(String),
      rejected: (info.rejected ?? []).map(String),
      response: info.response ?? '',
    };
  }

  onApplicationShutdown(): void {
    this.transporter.close();
  }
}
