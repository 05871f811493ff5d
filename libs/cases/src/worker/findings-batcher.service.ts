import { Injectable } from '@nestjs/common';
import type { FindingDocument } from '@sg/queues';
import { OpenCaseService, type IngestSummary } from '../domain/open-case.service';

/** Findings that arrive within this many ms of each other share a transaction. */
const WAIT_MS = 5;
/** A batch never waits for more than this many findings: OpenCaseService's transaction (500). */
const MAX = 500;
/** Jobs the findings processor runs at once: two batches, one gathering while the other commits. */
export const FINDINGS_CONCURRENCY = 2 * MAX;

/**
 * Gathers the findings that queue jobs hand in concurrently into one ingest call, so the commit
 * (a disk flush) is paid per batch, not per finding. Each caller's promise settles with its batch.
 * If a batch fails, its findings are retried one by one, so a finding that can never be stored
 * fails its own job and not its neighbours'.
 */
@Injectable()
export class FindingsBatcher {
  private pending: { doc: FindingDocument; resolve: (r: IngestSummary) => void; reject: (e: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly cases: OpenCaseService) {}

  add(doc: FindingDocument): Promise<IngestSummary> {
    return new Promise((resolve, reject) => {
      this.pending.push({ doc, resolve, reject });
      if (this.pending.length >= MAX) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), WAIT_MS);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const items = this.pending.splice(0);
    if (!items.length) return;
    this.cases.ingest(items.map((i) => i.doc)).then(
      (r) => items.forEach((i) => i.resolve(r)),
      (err) => {
        if (items.length === 1) return items[0].reject(err);
        for (const i of items) this.cases.ingest([i.doc]).then(i.resolve, i.reject);
      },
    );
  }
}
