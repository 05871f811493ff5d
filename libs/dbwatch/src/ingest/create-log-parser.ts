import type { DbLogFormat } from '../servers/db-server.entity';
import { CsvLogParser } from './csv-log.parser';
import { JsonLogParser } from './json-log.parser';
import type { LogParser, LogParserOptions } from './log-parser';
import type { IngestSink } from './login-joiner';
import { StderrLogParser } from './stderr-log.parser';

/** The parser for a server's log format (and, for stderr, its log_line_prefix; null = Debian's). */
export function createLogParser(
  serverId: string,
  format: DbLogFormat,
  linePrefix: string | null,
  sink: IngestSink,
  options: LogParserOptions = {},
): LogParser {
  switch (format) {
    case 'stderr':
      return new StderrLogParser(serverId, sink, linePrefix, options);
    case 'csvlog':
      return new CsvLogParser(serverId, sink, options);
    case 'jsonlog':
      return new JsonLogParser(serverId, sink, options);
  }
}
