import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { DataSource } from 'typeorm';
import { DbServerLookup } from './db-server-lookup';
import { LogFollower } from './log-follower';
import { LogPositionStore } from './log-position.store';
import { LoginEventOutlet } from './login-event-outlet';

/**
 * Follows the logs named in DBWATCH_FOLLOW (collector role, or `npm run dbwatch:follow`), each with
 * its server's format and line prefix from db_servers, positions in db_log_positions. A server
 * that is not registered stops start-up with its id named.
 */
@Injectable()
export class DbLogFollowerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DbwatchFollow');
  readonly followers: LogFollower[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly servers: DbServerLookup,
    private readonly outlet: LoginEventOutlet,
    private readonly ds: DataSource,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const store = new LogPositionStore((sql, params) => this.ds.query(sql, params));
    for (const { serverId, path } of this.config.DBWATCH_FOLLOW) {
      const server = await this.servers.find(serverId);
      if (!server) throw new Error(`DBWATCH_FOLLOW: database server ${serverId} is not registered`);
      const follower = new LogFollower(
        { serverId, path, format: server.logFormat, linePrefix: server.logLinePrefix },
        store,
        (id, source, events, offsets) => this.outlet.deliver(id, source, events, offsets),
        {
          pollMs: this.config.DBWATCH_FOLLOW_POLL,
          onRecords: (accepted, rejected) => this.outlet.countRecords(accepted, rejected),
          onError: (err) => this.logger.warn(`following ${path} for ${serverId}: ${err.message}`),
        },
      );
      follower.start();
      this.followers.push(follower);
      this.logger.log(`following ${path} (${server.logFormat}) for ${serverId}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.followers.map((f) => f.stop()));
  }
}
