import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { DomainException, ZodValidationPipe } from '@sg/common';
import { TokenRole, Roles } from '@sg/auth';
import { InventoryCrudService } from './inventory-crud.service';
import { InventoryIndexService } from './inventory-index.service';
import { InventoryService } from './inventory.service';
import {
  addressInputSchema,
  addressPatchSchema,
  deploymentInputSchema,
  deploymentPatchSchema,
  importSchema,
  listQuerySchema,
  subscriptionInputSchema,
  subscriptionPatchSchema,
  vmInputSchema,
  vmPatchSchema,
  type ListQuery,
} from './inventory.schemas';

const schema = (s: z.ZodType) => ({ schema: z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as object });
const body = <T extends z.ZodType>(s: T) => Body(new ZodValidationPipe(s));
const list = () => Query(new ZodValidationPipe(listQuerySchema, 'query'));

@ApiTags('inventory')
@ApiBearerAuth()
@Controller('api/v1')
export class InventoryController {
  constructor(
    private readonly inventory: InventoryService,
    private readonly crud: InventoryCrudService,
    private readonly index: InventoryIndexService,
  ) {}

  @Post('inventory/import')
  @HttpCode(200)
  @Roles(TokenRole.ADMIN)
  @ApiOperation({ summary: 'Idempotent bulk upsert of subscriptions, deployments, VMs and their addresses' })
  @ApiBody(schema(importSchema))
  import(@body(importSchema) input: z.output<typeof importSchema>) {
    return this.inventory.import(input);
  }

  @Get('addresses/:ip/owner')
  @Roles(TokenRole.RESPONDER)
  @ApiOperation({ summary: 'Which VM held this address at a time (default now)' })
  owner(@Param('ip') ip: string, @Query('at') at?: string) {
    const t = at === undefined ? Date.now() : Date.parse(at);
    if (Number.isNaN(t))
      throw DomainException.validation([{ field: 'query.at', message: 'must be an ISO 8601 timestamp' }]);
    const owner = this.index.lookup(ip, t);
    if (!owner) throw DomainException.notFound('owner of address', ip);
    return { ip, at: new Date(t).toISOString(), ...owner };
  }

  @Get('subscriptions')
  @Roles(TokenRole.RESPONDER)
  listSubscriptions(@list() q: ListQuery) {
    return this.crud.listSubscriptions(q);
  }

  @Post('subscriptions')
  @Roles(TokenRole.ADMIN)
  @ApiBody(schema(subscriptionInputSchema))
  createSubscription(@body(subscriptionInputSchema) input: z.output<typeof subscriptionInputSchema>) {
    return this.crud.createSubscription(input);
  }

  @Get('subscriptions/:id')
  @Roles(TokenRole.RESPONDER)
  getSubscription(@Param('id') id: string) {
    return this.crud.getSubscription(id);
  }

  @Patch('subscriptions/:id')
  @Roles(TokenRole.ADMIN)
  @ApiBody(schema(subscriptionPatchSchema))
  updateSubscription(
    @Param('id') id: string,
    @body(subscriptionPatchSchema) patch: z.output<typeof subscriptionPatchSchema>,
  ) {
    return this.crud.updateSubscription(id, patch);
  }

  @Delete('subscriptions/:id')
  @HttpCode(204)
  @Roles(TokenRole.ADMIN)
  async deleteSubscription(@Param('id') id: string): Promise<void> {
    await this.crud.deleteSubscription(id);
  }

  @Get('deployments')
  @Roles(TokenRole.RESPONDER)
  listDeployments(@list() q: ListQuery) {
    return this.crud.listDeployments(q);
  }

  @Post('deployments')
  @Roles(TokenRole.ADMIN)
  @ApiBody(schema(deploymentInputSchema))
  createDeployment(@body(deploymentInputSchema) input: z.output<typeof deploymentInputSchema>) {
    return this.crud.createDeployment(input);
  }

  @Get('deployments/:id')
  @Roles(TokenRole.RESPONDER)
  getDeployment(@Param('id') id: string) {
    return this.crud.getDeployment(id);
  }

  @Patch('deployments/:id')
  @Roles(TokenRole.ADMIN)
  @ApiBody(schema(deploymentPatchSchema))
  updateDeployment(
    @Param('id') id: string,
    @body(deploymentPatchSchema) patch: z.output<typeof deploymentPatchSchema>,
  ) {
    return this.crud.updateDeployment(id, patch);
  }

  @Delete('deployments/:id')
  @HttpCode(204)
  @Roles(TokenRole.ADMIN)
  async deleteDeployment(@Param('id') id: string): Promise<void> {
    await this.crud.deleteDeployment(id);
  }

  @Get('vms')
  @Roles(TokenRole.RESPONDER)
  listVms(@list() q: ListQuery) {
    return this.crud.listVms(q);
  }

  @Post('vms')
  @Roles(TokenRole.ADMIN)
  @ApiBody(schema(vmInputSchema))
  createVm(@body(vmInputSchema) input: z.output<typeof vmInputSchema>) {
    return this.crud.createVm(input);
  }

  @Get('vms/:id')
  @Roles(TokenRole.RESPONDER)
  getVm(@Param('id') id: string) {
    return this.crud.getVm(id);
  }

  @Patch('vms/:id')
  @Roles(TokenRole.ADMIN)
  @ApiBody(schema(vmPatchSchema))
  updateVm(@Param('id') id: string, @body(vmPatchSchema) patch: z.output<typeof vmPatchSchema>) {
    return this.crud.updateVm(id, patch);
  }

  @Delete('vms/:id')
  @HttpCode(204)
  @Roles(TokenRole.ADMIN)
  async deleteVm(@Param('id') id: string): Promise<void> {
    await this.crud.deleteVm(id);
  }

  @Post('vms/:id/addresses')
  @Roles(TokenRole.ADMIN)
  @ApiBody(schema(addressInputSchema))
  addAddress(@Param('id') id: string, @body(addressInputSchema) input: z.output<typeof addressInputSchema>) {
    return this.crud.addAddress(id, input);
  }

  @Patch('vms/:id/addresses/:addressId')
  @Roles(TokenRole.ADMIN)
  @ApiBody(schema(addressPatchSchema))
  updateAddress(
    @Param('id') id: string,
    @Param('addressId') addressId: string,
    @body(addressPatchSchema) patch: z.output<typeof addressPatchSchema>,
  ) {
    return this.crud.updateAddress(id, addressIdOf(addressId), patch.to);
  }

  @Delete('vms/:id/addresses/:addressId')
  @HttpCode(204)
  @Roles(TokenRole.ADMIN)
  async deleteAddress(@Param('id') id: string, @Param('addressId') addressId: string): Promise<void> {
    await this.crud.deleteAddress(id, addressIdOf(addressId));
  }
}

function addressIdOf(s: string): string {
  if (!/^\d{1,18}$/.test(s)) throw DomainException.validation([{ field: 'addressId', message: 'must be a number' }]);
  return s;
}
