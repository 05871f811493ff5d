/** Streamed HTTP uploads (flow logs, database logs): shared by the ingestion controllers. */
import { Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Request } from 'express';
import { DomainException } from '../errors/domain.exception';
import { ErrorCode } from '../errors/error-code';

/**
 * The request body as a byte stream, gunzipped when Content-Encoding says gzip, and cut off past
 * `maxBytes` of decompressed data (a gzip bomb never inflates into memory: data streams through).
 */
export function uploadStream(req: Request, maxBytes: number): Readable {
  const enc = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  let source: Readable = req;
  if (enc === 'gzip' || enc === 'x-gzip') source = req.pipe(createGunzip());
  else if (enc !== 'identity') {
    throw new DomainException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, `Content-Encoding ${enc} is not supported (use gzip)`);
  }
  let seen = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > maxBytes) done(new Error(`body larger than ${maxBytes} bytes after decompression`));
      else done(null, chunk);
    },
  });
  source.on('error', (err) => limiter.destroy(err));
  return source.pipe(limiter);
}

export function requireContentType(req: Request, allowed: string[]): void {
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (!allowed.includes(type)) {
    throw new DomainException(
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      `Content-Type must be ${allowed.join(' or ')}, got ${type || 'none'}`,
    );
  }
}
