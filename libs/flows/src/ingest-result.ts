/**
 * What an HTTP flow-log upload answers (`202 {accepted, rejected, errors}`), shared by the text
 * and JSON parsers so the API layer can return either unchanged.
 *
 * `accepted` and `rejected` count input units (text lines, JSON flow tuples): every one refused is
 * counted, while `errors` keeps only the first few details, so a hostile upload cannot make the
 * answer as large as itself. Parsers add their own extra counts (records written, NODATA lines).
 */
export interface IngestResult {
  accepted: number;
  rejected: number;
  errors: IngestError[];
}

/** A refused text line, by 1-based line number. */
export interface LineError {
  line: number;
  reason: string;
}

/** A refused JSON element, by its path (`records[3].properties.flows[0].flows[1].flowTuples[7]`). */
export interface IndexError {
  index: string;
  reason: string;
  /** Byte offset in the document, given for errors that are not about one element (invalid JSON). */
  offset?: number;
}

export type IngestError = LineError | IndexError;

/** Error details kept per upload unless a parser is told otherwise; the count is always complete. */
export const MAX_INGEST_ERRORS = 100;
