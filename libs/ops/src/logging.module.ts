import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { APP_CONFIG, type AppConfig } from '@sg/common';

/**
 * Structured JSON logs (pino) with a request id on every HTTP log line: taken from X-Request-Id
 * when the caller sends one, generated otherwise, and echoed back. Credentials are redacted.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (cfg: AppConfig) => ({
        pinoHttp: {
          level: cfg.LOG_LEVEL,
          genReqId: (req, res) => {
            const given = req.headers['x-request-id'];
            const id = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
            res.setHeader('X-Request-Id', id);
            return id;
          },
          redact: {
            paths: [
              'req.headers.authorization',
              'req.headers.cookie',
              'res.headers["set-cookie"]',
              '*.token',
              '*.password',
            ],
            censor: '[redacted]',
          },
          autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
          customProps: () => ({ service: 'safeguards' }),
        },
      }),
    }),
  ],
})
export class LoggingModule {}
