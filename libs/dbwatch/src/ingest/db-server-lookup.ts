import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { DbServerEntity } from '../servers/db-server.entity';

/** The servers ingestion reads logs for: their log format and line prefix. */
@Injectable()
export class DbServerLookup {
  constructor(@InjectRepository(DbServerEntity) private readonly servers: Repository<DbServerEntity>) {}

  find(id: string): Promise<DbServerEntity | null> {
    return this.servers.findOneBy({ id });
  }
}
