import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiTokenEntity } from './api-token.entity';
import { AuthGuard } from './auth.guard';
import { TokenService } from './token.service';
import { TokensController } from './tokens.controller';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([ApiTokenEntity])],
  providers: [TokenService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [TokenService],
})
export class AuthModule {}

/** The token administration API (api role only). */
@Module({ controllers: [TokensController] })
export class TokensApiModule {}
