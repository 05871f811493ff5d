import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AllExceptionsFilter, type AppConfig, type ProcessRole } from '@sg/common';
import { AppModule } from './app.module';

/**
 * Builds (does not listen) the Nest application for the given roles. Every role serves HTTP for
 * /healthz and /metrics; the api role adds the API and its OpenAPI document at /api/docs.
 */
export async function createApp(roles: ProcessRole[], config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoles(roles, config), {
    bufferLogs: true,
    bodyParser: false,
    // Throw start-up errors to the caller (bootstrap logs them and exits) instead of exiting here.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new AllExceptionsFilter());
  // JSON bodies are bounded; flow-log and database-log uploads stream through their own parsers instead.
  app.useBodyParser('json', {
    limit: '64mb',
    type: (req: IncomingMessage) =>
      !req.url?.startsWith('/api/v1/flows/') &&
      !/^\/api\/v1\/db-servers\/[^/?]+\/logs(\?|$)/.test(req.url ?? '') &&
      /^application\/([\w.+-]+\+)?json/i.test(req.headers['content-type'] ?? ''),
  });
  app.enableShutdownHooks();
  if (roles.includes('api')) {
    const doc = new DocumentBuilder()
      .setTitle('Safeguards API')
      .setDescription('Abuse monitoring for cloud VMs: inventory, flow ingestion, cases, alerts.')
      .setVersion('1')
      .addBearerAuth()
      .build();
    SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, doc), {
      jsonDocumentUrl: 'api/docs/json',
    });
  }
  return app;
}
