import { ErrorCode } from './error-code';

export interface FieldError {
  /** Path of the offending field in the request, e.g. `vms[2].addresses[0].ip`. */
  field: string;
  message: string;
}

/** A failure the caller can act on; the global filter maps its code to an HTTP status. */
export class DomainException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }

  static validation(fields: FieldError[]): DomainException {
    const summary = fields
      .slice(0, 5)
      .map((f) => `${f.field}: ${f.message}`)
      .join('; ');
    return new DomainException(ErrorCode.VALIDATION_FAILED, `invalid request: ${summary}`, fields);
  }

  static notFound(what: string, id: string): DomainException {
    return new DomainException(ErrorCode.NOT_FOUND, `${what} ${id} not found`);
  }
}
