import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import {
  APP_CONFIG,
  customerPageUrl,
  customerLinksFrom,
  DomainException,
  type AppConfig,
  type CustomerLinks,
} from '@sg/common';
import { QueueName, QueueService } from '@sg/queues';
import { MAIL_TEMPLATE_NAMES, type MailModel, type MailTemplateName } from '../templates/mail-templates';
import { caseTag } from '../templates/subject-line';
import { TemplateRenderer } from '../templates/template-renderer';
import { bareAddress } from './mail-address';
import { MailThreadRepository } from './mail-thread.repository';
import type { OutboxEntity } from './outbox.entity';
import { OutboxRepository } from './outbox.repository';
import type { RecipientStateEntity } from './recipient-state.entity';
import { RecipientStateRepository } from './recipient-state.repository';
import { newReplyToken, replyAddress } from './reply-token';

export interface EnqueueMail<T extends MailTemplateName> {
  /** The case the mail is about (null for a mail outside any case: no thread, no reply token). */
  caseId: string | null;
  caseNumber: number;
  template: T;
  model: MailModel<T>;
  to: string[];
  /** Answer to this Message-ID instead of the case's first mail (e.g. a thread started elsewhere). */
  threadRootMessageId?: string;
}

const request = z.object({
  caseId: z.uuid().nullable(),
  caseNumber: z.number().int().positive(),
  template: z.enum(MAIL_TEMPLATE_NAMES as [MailTemplateName, ...MailTemplateName[]]),
  // z.email() admits no whitespace, so no CR/LF can reach a header through an address.
  to: z.array(z.email()).min(1).max(50),
  threadRootMessageId: z
    .string()
    .max(900)
    .regex(/^<?[^\s<>]+@[^\s<>]+>?$/, 'not a Message-ID')
    .optional(),
});

/** A mail another domain rendered itself (its own templates), sent outside any case. */
export interface PreRenderedMail {
  /** Names the kind of mail in the outbox (e.g. `db-alert`). */
  template: string;
  to: string[];
  subject: string;
  html: string;
  text: string;
}

const renderedRequest = z.object({
  template: z.string().regex(/^[a-z0-9-]{1,64}$/),
  to: z.array(z.email()).min(1).max(50),
  // A subject is one header line: no CR/LF.
  subject: z
    .string()
    .min(1)
    .max(998)
    .regex(/^[^\r\n]*$/, 'one line'),
  html: z.string(),
  text: z.string(),
});

/** The BullMQ job id of a row's send job. BullMQ refuses ids with a single ':', hence '-'. */
export const mailJobId = (outboxId: string): string => `mail-${outboxId}`;

/**
 * Accepts mail for sending: renders it, stores it in the outbox with its Message-ID and threading
 * headers, and asks the "mail" queue to send it. It never waits for SMTP, and once the row is
 * committed the mail is not lost: if Redis refuses the job, the reconciler enqueues it later.
 */
@Injectable()
export class OutboxService {
  private readonly logger = new Logger(OutboxService.name);
  /** Signs the customer page link every case mail carries. */
  private readonly links: CustomerLinks;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly threads: MailThreadRepository,
    private readonly recipients: RecipientStateRepository,
    private readonly renderer: TemplateRenderer,
    private readonly queues: QueueService,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
  ) {
    this.links = customerLinksFrom(cfg);
  }

  async enqueue<T extends MailTemplateName>(req: EnqueueMail<T>): Promise<OutboxEntity> {
    const parsed = request.safeParse({ ...req, model: undefined });
    if (!parsed.success) {
      throw DomainException.validation(
        parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'request', message: i.message })),
      );
    }
    if (req.model?.case?.number !== req.caseNumber) {
      throw DomainException.validation([
        { field: 'model.case.number', message: `must be the case number ${req.caseNumber}` },
      ]);
    }
    const to = [...new Set(parsed.data.to.map((a) => a.toLowerCase()))];
    const domain = this.cfg.MAIL_REPLY_DOMAIN;
    const messageId = `${randomUUID()}@${domain}`;

    const row = await this.outbox.transaction(async (m) => {
      let reply = bareAddress(this.cfg.MAIL_FROM);
      let inReplyTo: string | null = null;
      if (req.caseId) {
        const { thread, created } = await this.threads.ensure(m, {
          caseId: req.caseId,
          caseNumber: req.caseNumber,
          token: newReplyToken(),
          rootMessageId: messageId,
          contacts: to,
        });
        reply = replyAddress(thread.token, domain);
        inReplyTo = created ? null : thread.rootMessageId;
      }
      if (req.threadRootMessageId) inReplyTo = req.threadRootMessageId.replace(/^<|>$/g, '');
      const rendered = this.renderer.render(req.template, req.model, {
        tag: caseTag(req.caseNumber),
        replyAddress: reply,
        from: bareAddress(this.cfg.MAIL_FROM),
        caseUrl: req.caseId ? customerPageUrl(this.cfg, this.links, req.caseId) : null,
      });
      return this.outbox.insert(m, {
        caseId: req.caseId,
        template: req.template,
        recipients: to,
        replyTo: reply,
        subject: rendered.subject,
        html: rendered.html,
        text: rendered.text,
        messageId,
        inReplyTo,
        references: inReplyTo ? [inReplyTo] : [],
      });
    });

    await this.schedule(row.id);
    return row;
  }

  /**
   * Stores a mail rendered elsewhere (a domain with its own templates, e.g. dbwatch's alert mail),
   * outside any case: no thread, no reply token; replies go to MAIL_FROM. Runs in the caller's
   * transaction `m`, so the caller can mark its own rows in the same commit; call `schedule(row.id)`
   * after the commit (or let the reconciler pick the row up).
   */
  async storeRendered(m: EntityManager, req: PreRenderedMail): Promise<OutboxEntity> {
    const parsed = renderedRequest.safeParse(req);
    if (!parsed.success) {
      throw DomainException.validation(
        parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'request', message: i.message })),
      );
    }
    const from = bareAddress(this.cfg.MAIL_FROM);
    return this.outbox.insert(m, {
      caseId: null,
      template: req.template,
      recipients: [...new Set(parsed.data.to.map((a) => a.toLowerCase()))],
      replyTo: from,
      subject: req.subject,
      html: req.html,
      text: req.text,
      messageId: `${randomUUID()}@${this.cfg.MAIL_REPLY_DOMAIN}`,
      inReplyTo: null,
      references: [],
    });
  }

  /** `storeRendered` in its own transaction, then the send job. */
  async enqueueRendered(req: PreRenderedMail): Promise<OutboxEntity> {
    const row = await this.outbox.transaction((m) => this.storeRendered(m, req));
    await this.schedule(row.id);
    return row;
  }

  /**
   * Adds the send job. A failure here is logged, not thrown: the row is committed, and the
   * reconciler picks up queued rows that have no job.
   */
  async schedule(outboxId: string): Promise<void> {
    try {
      await this.queues.enqueue({
        queue: QueueName.MAIL,
        name: 'mail.send',
        data: { outboxId },
        jobId: mailJobId(outboxId),
      });
    } catch (err) {
      this.logger.warn(
        { outboxId, err: (err as Error).message },
        'mail stored but not queued; the reconciler will queue it',
      );
    }
  }

  /** The mails of a case, oldest first (the console's mail tab, tests). */
  mailsOfCase(caseId: string): Promise<OutboxEntity[]> {
    return this.outbox.findByCase(caseId);
  }

  findById(id: string): Promise<OutboxEntity | null> {
    return this.outbox.findById(id);
  }

  /** What is known about addresses that bounced; addresses never seen are absent. */
  recipientStates(addresses: string[]): Promise<RecipientStateEntity[]> {
    return this.recipients.find(addresses);
  }
}
