import { Injectable, type PipeTransform } from '@nestjs/common';
import type { ZodType } from 'zod';
import { parseInput } from './zod-body';

/** `@Body(new ZodValidationPipe(schema))`: validates and returns the parsed value. */
@Injectable()
export class ZodValidationPipe<T extends ZodType> implements PipeTransform {
  constructor(
    private readonly schema: T,
    private readonly prefix = '',
  ) {}

  transform(value: unknown) {
    return parseInput(this.schema, value, this.prefix);
  }
}
