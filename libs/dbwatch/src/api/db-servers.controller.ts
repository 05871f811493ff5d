import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ZodValidationPipe } from '@sg/common';
import { TokenRole, Roles } from '@sg/auth';
import { DbServersService } from './db-servers.service';
import {
  policyInputSchema,
  serverInputSchema,
  serverListQuerySchema,
  serverPatchSchema,
  type PolicyInput,
  type ServerInput,
  type ServerPatch,
} from './dbwatch.schemas';

const schema = (s: z.ZodType) => ({ schema: z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as object });
const body = <T extends z.ZodType>(s: T) => Body(new ZodValidationPipe(s));

/** Managed PostgreSQL servers and their threat-protection policies (writes: admin; reads: responder). */
@ApiTags('dbwatch')
@ApiBearerAuth()
@Controller('api/v1/db-servers')
export class DbServersController {
  constructor(private readonly servers: DbServersService) {}

  @Get()
  @Roles(TokenRole.RESPONDER)
  list(@Query(new ZodValidationPipe(serverListQuerySchema, 'query')) q: z.output<typeof serverListQuerySchema>) {
    return this.servers.list(q);
  }

  @Post()
  @Roles(TokenRole.ADMIN)
  @ApiOperation({ summary: 'Register a managed PostgreSQL server (its log format and log_line_prefix)' })
  @ApiBody(schema(serverInputSchema))
  create(@body(serverInputSchema) input: ServerInput) {
    return this.servers.create(input);
  }

  @Get(':id')
  @Roles(TokenRole.RESPONDER)
  get(@Param('id') id: string) {
    return this.servers.get(id);
  }

  @Patch(':id')
  @Roles(TokenRole.ADMIN)
  @ApiBody(schema(serverPatchSchema))
  update(@Param('id') id: string, @body(serverPatchSchema) patch: ServerPatch) {
    return this.servers.update(id, patch);
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles(TokenRole.ADMIN)
  async remove(@Param('id') id: string) {
    await this.servers.remove(id);
  }

  @Get(':id/policy')
  @Roles(TokenRole.RESPONDER)
  getPolicy(@Param('id') id: string) {
    return this.servers.getPolicy(id);
  }

  @Put(':id/policy')
  @Roles(TokenRole.ADMIN)
  @ApiOperation({ summary: 'Threat-protection policy: on/off, recipients, alert types off, minimum severity' })
  @ApiBody(schema(policyInputSchema))
  putPolicy(@Param('id') id: string, @body(policyInputSchema) input: PolicyInput) {
    return this.servers.putPolicy(id, input);
  }
}
