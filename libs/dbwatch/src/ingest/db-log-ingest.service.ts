import { Injectable } from '@nestjs/common';
import type { DbServerEntity } from '../servers/db-server.entity';
import { createLogParser } from './create-log-parser';
import { EventBatch } from './event-batch';
import type { LogIngestResult } from './log-parser';
import { LoginEventOutlet } from './login-event-outlet';

const BATCH = 1000;

/**
 * Reads one stream of a server's log (an upload) through its parser and hands the events over in
 * batches. A stream that breaks half-way (truncated gzip, size limit, client gone) keeps what was
 * already read and reports the break as one more rejection.
 */
@Injectable()
export class DbLogIngestService {
  constructor(private readonly outlet: LoginEventOutlet) {}

  /**
   * `source` names the file the body comes from and `baseOffset` is where in it the body starts;
   * each event is handed over with its file offset (base + its offset in the body).
   */
  async ingest(
    server: DbServerEntity,
    body: AsyncIterable<Buffer>,
    source = '',
    baseOffset = 0,
  ): Promise<LogIngestResult> {
    const batch = new EventBatch(BATCH);
    const parser = createLogParser(server.id, server.logFormat, server.logLinePrefix, batch);
    const handOver = async (): Promise<void> => {
      const { events, offsets } = batch.take();
      await this.outlet.deliver(server.id, source, events, baseOffset ? offsets.map((o) => o + baseOffset) : offsets);
    };
    let broken: Error | null = null;
    try {
      for await (const chunk of body) {
        parser.write(chunk);
        if (batch.full) await handOver();
      }
    } catch (err) {
      broken = err as Error;
    }
    const result = parser.end();
    await handOver();
    if (broken) {
      result.rejected += 1;
      result.errors.push({ line: 0, reason: `body: ${broken.message}` });
    }
    this.outlet.countRecords(result.accepted, result.rejected);
    return result;
  }
}
