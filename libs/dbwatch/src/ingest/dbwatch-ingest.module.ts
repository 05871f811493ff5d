import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DbServerEntity } from '../servers/db-server.entity';
import { DbLogIngestController } from './db-log-ingest.controller';
import { DbLogFollowerService } from './db-log-follower.service';
import { DbLogIngestService } from './db-log-ingest.service';
import { DbServerLookup } from './db-server-lookup';
import { LoginEventOutlet } from './login-event-outlet';

/** Log ingestion shared by the upload endpoint and the follower (LOGIN_EVENT_CONSUMER comes from analysis, if bound). */
@Module({
  imports: [TypeOrmModule.forFeature([DbServerEntity])],
  providers: [DbServerLookup, LoginEventOutlet, DbLogIngestService],
  exports: [DbServerLookup, LoginEventOutlet, DbLogIngestService],
})
export class DbwatchIngestModule {}

/** `POST /api/v1/db-servers/:id/logs` (api role). */
@Module({ imports: [DbwatchIngestModule], controllers: [DbLogIngestController] })
export class DbwatchIngestApiModule {}

/** The followers of DBWATCH_FOLLOW (collector role). */
@Module({ imports: [DbwatchIngestModule], providers: [DbLogFollowerService], exports: [DbLogFollowerService] })
export class DbwatchFollowModule {}
