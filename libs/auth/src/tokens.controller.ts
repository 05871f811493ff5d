import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ZodValidationPipe } from '@sg/common';
import { TokenRole, TOKEN_ROLES } from './role';
import { Roles } from './roles.decorator';
import { TokenService } from './token.service';

const createTokenSchema = z.strictObject({
  name: z.string().min(1).max(100),
  role: z.enum(TOKEN_ROLES as [TokenRole, ...TokenRole[]]),
});

@ApiTags('tokens')
@ApiBearerAuth()
@Roles(TokenRole.ADMIN)
@Controller('api/v1/tokens')
export class TokensController {
  constructor(private readonly tokens: TokenService) {}

  @Post()
  @ApiBody({ schema: z.toJSONSchema(createTokenSchema) as object })
  create(@Body(new ZodValidationPipe(createTokenSchema)) body: z.output<typeof createTokenSchema>) {
    return this.tokens.create(body.name, body.role);
  }

  @Get()
  list() {
    return this.tokens.list();
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    await this.tokens.revoke(id);
  }
}
