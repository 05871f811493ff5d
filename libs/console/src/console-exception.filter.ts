import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { DomainException, ERROR_STATUS } from '@sg/common';
import { ConsoleError, ConsoleRedirect, type ConsoleRequest } from './console-http';
import { ConsoleViews } from './console-views';

/** Console and customer pages answer errors as HTML pages (the API's filter answers JSON). */
@Catch()
export class ConsoleExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('console');

  constructor(private readonly views: ConsoleViews) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<ConsoleRequest>();
    if (res.headersSent) return;
    if (err instanceof ConsoleRedirect) {
      res.redirect(303, err.location);
      return;
    }
    let status = 500;
    let message = 'Something went wrong on our side.';
    let fields: { field: string; message: string }[] = [];
    if (err instanceof ConsoleError) {
      status = err.status;
      message = err.message;
    } else if (err instanceof DomainException) {
      status = ERROR_STATUS[err.code];
      message = err.message;
      fields = err.fields;
    } else if (err instanceof HttpException) {
      status = err.getStatus();
      message = err.message;
    } else {
      const s = (err as { status?: number })?.status;
      if (typeof s === 'number' && s >= 400 && s < 500) {
        status = s;
        message = (err as Error).message;
      } else this.logger.error({ err }, 'console error');
    }
    const customer = req.path.startsWith('/c/');
    res
      .status(status)
      .type('html')
      .send(
        this.views.page('error', {
          title: status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : 'Could not do that',
          session: customer ? null : (req.consoleSession ?? null),
          customer,
          status,
          message,
          fields,
          back: customer ? null : safeBack(req.get('referer')),
        }),
      );
  }
}

/** The page to go back to: only a console path of this site (a Referer is the browser's word). */
function safeBack(referer: string | undefined): string {
  try {
    const u = new URL(referer ?? '', 'http://x');
    return u.pathname.startsWith('/console') && !u.pathname.startsWith('//') ? u.pathname + u.search : '/console';
  } catch {
    return '/console';
  }
}
