import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { RecipientStateEntity } from './recipient-state.entity';

/** Bounce bookkeeping per address (lower-cased). */
@Injectable()
export class RecipientStateRepository {
  constructor(@InjectDataSource() readonly ds: DataSource) {}

  async markFailing(addresses: string[], error: string): Promise<void> {
    const list = [...new Set(addresses.map((a) => a.toLowerCase()))];
    if (!list.length) return;
    await this.ds.query(
      `INSERT INTO mail_recipient_states (address, status, failures, last_error, last_failed_at)
       SELECT a, 'failing', 1, $2, now() FROM unnest($1::text[]) AS a
       ON CONFLICT (address) DO UPDATE SET status = 'failing',
         failures = mail_recipient_states.failures + 1, last_error = EXCLUDED.last_error,
         last_failed_at = now(), updated_at = now()`,
      [list, error],
    );
  }

  /** The address answered us: it works. */
  async markOk(address: string): Promise<void> {
    await this.ds.query(
      `INSERT INTO mail_recipient_states (address, status, last_ok_at) VALUES ($1, 'ok', now())
       ON CONFLICT (address) DO UPDATE SET status = 'ok', last_ok_at = now(), updated_at = now()`,
      [address.toLowerCase()],
    );
  }

  find(addresses: string[]): Promise<RecipientStateEntity[]> {
    return this.ds
      .getRepository(RecipientStateEntity)
      .findBy({ address: In([...new Set(addresses.map((a) => a.toLowerCase()))]) });
  }
}
