import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles, TokenRole, type AuthedRequest } from '@sg/auth';
import { DomainException, requireContentType, uploadStream } from '@sg/common';
import { DbLogIngestService } from './db-log-ingest.service';
import { DbServerLookup } from './db-server-lookup';

/** Decompressed upload size limit, as for flow logs. */
const MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024;
const TYPES = ['text/plain', 'text/csv', 'application/json', 'application/x-ndjson', 'application/octet-stream'];
/** A log file's name as the shipper knows it: printable, no control characters. */
const SOURCE = /^[\x21-\x7e][\x20-\x7e]{0,511}$/;

/**
 * The upload's place in the server's log, from the optional headers X-Log-Source (the file the
 * lines come from) and X-Log-Offset (the byte offset of the body's first byte in it). With them
 * every line is stored under its file offset, so an upload retried after a lost answer stores
 * nothing twice (the same rule that keeps a follower's re-read lines out).
 */
export function uploadPlace(headers: Record<string, string | string[] | undefined>): { source: string; offset: number } {
  const one = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const source = one('x-log-source');
  const offsetText = one('x-log-offset');
  if (source === undefined) {
    if (offsetText !== undefined)
      throw DomainException.validation([{ field: 'X-Log-Offset', message: 'needs X-Log-Source: an offset into which file?' }]);
    return { source: '', offset: 0 };
  }
  if (!SOURCE.test(source))
    throw DomainException.validation([
      { field: 'X-Log-Source', message: 'must be 1-512 printable ASCII characters, not starting with a space' },
    ]);
  if (offsetText === undefined) return { source, offset: 0 };
  if (!/^\d{1,15}$/.test(offsetText))
    throw DomainException.validation([{ field: 'X-Log-Offset', message: 'must be a byte offset: a whole number >= 0' }]);
  return { source, offset: Number(offsetText) };
}

/**
 * A managed server's PostgreSQL log as it wrote it, in the server's format (stderr with its
 * log_line_prefix, csvlog or jsonlog), parsed while the body streams in. 202 with
 * {accepted, rejected, errors:[{line, reason}], events, lines}, like the flow endpoints.
 */
@ApiTags('dbwatch')
@ApiBearerAuth()
@Roles(TokenRole.INGEST)
@Controller('api/v1/db-servers')
export class DbLogIngestController {
  constructor(
    private readonly servers: DbServerLookup,
    private readonly ingest: DbLogIngestService,
  ) {}

  @Post(':id/logs')
  @HttpCode(202)
  @ApiConsumes(...TYPES)
  @ApiOperation({
    summary: "The server's PostgreSQL log text (stderr, csvlog or jsonlog as configured); gzip allowed",
    description:
      'Optional X-Log-Source (file name) and X-Log-Offset (byte offset of the first byte of the body in that file) make a retried upload store nothing twice.',
  })
  async logs(@Param('id') id: string, @Req() req: AuthedRequest) {
    requireContentType(req, TYPES);
    const place = uploadPlace(req.headers);
    const server = await this.servers.find(id);
    if (!server) throw DomainException.notFound('database server', id);
    return this.ingest.ingest(server, uploadStream(req, MAX_UPLOAD_BYTES), place.source, place.offset);
  }
}
