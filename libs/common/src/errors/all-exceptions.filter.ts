import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { DomainException } from './domain.exception';
import { ERROR_STATUS, ErrorCode } from './error-code';

/**
 * One place that turns any thrown error into the API's error body
 * `{error: {code, message, fields?}}`. Unknown errors become 500 without internals leaking.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    if (err instanceof DomainException) {
      res.status(ERROR_STATUS[err.code]).json({
        error: { code: err.code, message: err.message, ...(err.fields.length ? { fields: err.fields } : {}) },
      });
      return;
    }
    if (err instanceof HttpException) {
      const status = err.getStatus();
      const body = err.getResponse();
      // Health checks answer 503 with their own report of what is down; keep it whole.
      if (status === 503 && typeof body === 'object' && body && 'details' in body) {
        res.status(status).json(body);
        return;
      }
      const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? err.message);
      res.status(status).json({ error: { code: codeForStatus(status), message: String(message) } });
      return;
    }
    // Constraint violations that raced past the service's own checks.
    const pgCode = (err as { driverError?: { code?: string }; code?: string })?.driverError?.code;
    if (pgCode === '23P01' || pgCode === '23505' || pgCode === '23503') {
      res.status(409).json({ error: { code: ErrorCode.CONFLICT, message: conflictMessage(pgCode) } });
      return;
    }
    // body-parser errors carry a status (400 bad JSON, 413 too large, 415 charset).
    const status =
      (err as { status?: number; statusCode?: number })?.status ?? (err as { statusCode?: number })?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: { code: codeForStatus(status), message: (err as Error).message } });
      return;
    }
    this.logger.error({ err }, 'unhandled error');
    res.status(500).json({ error: { code: ErrorCode.INTERNAL, message: 'internal error' } });
  }
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
    case 422:
      return ErrorCode.VALIDATION_FAILED;
    case 401:
      return ErrorCode.UNAUTHENTICATED;
    case 403:
      return ErrorCode.FORBIDDEN;
    case 404:
      return ErrorCode.NOT_FOUND;
    case 409:
      return ErrorCode.CONFLICT;
    case 413:
      return ErrorCode.PAYLOAD_TOO_LARGE;
    case 415:
      return ErrorCode.UNSUPPORTED_MEDIA_TYPE;
    default:
      return status >= 500 ? ErrorCode.INTERNAL : ErrorCode.VALIDATION_FAILED;
  }
}

function conflictMessage(pgCode: string): string {
  if (pgCode === '23P01') return 'an address is already held over an overlapping interval';
  if (pgCode === '23505') return 'already exists';
  return 'refers to a row that does not exist or is still referenced';
}
