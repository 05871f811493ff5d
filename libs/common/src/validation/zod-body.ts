import type { ZodType } from 'zod';
import { z } from 'zod';
import { DomainException, type FieldError } from '../errors/domain.exception';

/** Renders a zod issue path as `vms[2].addresses[0].ip`. */
export function fieldPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(body)';
}

/**
 * Validates input against a zod schema (schemas are strict: unknown fields are errors)
 * and throws a 400 naming every bad field.
 */
export function parseInput<T extends ZodType>(schema: T, input: unknown, prefix = ''): z.output<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const fields: FieldError[] = [];
  for (const issue of r.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys)
        fields.push({ field: fieldPath([...issue.path, k], prefix), message: 'unknown field' });
    } else {
      fields.push({ field: fieldPath(issue.path, prefix), message: issue.message });
    }
  }
  throw DomainException.validation(fields);
}
