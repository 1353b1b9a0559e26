import type { Context, Next } from 'koa';
import type { z } from 'zod';
import { ValidationError } from '../../shared/errors.js';
import { resourceIdsOf, resourceNotFound } from './resource-id.js';
import { stateOf } from './state.js';

/** The zod schemas of one route's inputs. */
export interface RequestSchemas {
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
}

/** One offending field, as listed in a 400's `details.fields`. */
export interface FieldProblem {
  /** Where the field is: `body`, `query` or `params`. */
  in: 'body' | 'query' | 'params';
  /** Dotted path of the field (`controlPlanes.0.ip`); empty for the whole part. */
  field: string;
  message: string;
}

/** Lists every issue of a failed parse as field problems. */
export function fieldProblems(where: FieldProblem['in'], error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ in: where, field: [...path, key].join('.'), message: 'Unknown field' }));
    }
    return [{ in: where, field: path.join('.'), message: issue.message }];
  });
}

/**
 * Validates the body, query and path parameters against zod schemas and stores the parsed values on
 * `ctx.state.body/query/params`. Handlers never read an unvalidated input. A resource id of a shape
 * no id has (`resourceId()`) names nothing: NotFoundError with the resource's code, before any other
 * check. Otherwise throws ValidationError (400 VALIDATION_FAILED) whose `details.fields` names every
 * offending field of all three parts.
 */
export function validate(schemas: RequestSchemas) {
  return async function validateRequest(ctx: Context, next: Next): Promise<void> {
    const state = stateOf(ctx);
    refuseUnknownResourceIds(schemas.params, ctx.params ?? {});
    const problems: FieldProblem[] = [];
    const parts = [
      ['params', schemas.params, ctx.params ?? {}],
      ['query', schemas.query, ctx.query],
      ['body', schemas.body, ctx.request.body],
    ] as const;
    for (const [where, schema, raw] of parts) {
      if (!schema) continue;
      const result = schema.safeParse(raw);
      if (result.success) state[where] = result.data;
      else problems.push(...fieldProblems(where, result.error));
    }
    if (problems.length > 0) {
      const names = [...new Set(problems.map((p) => (p.field ? `${p.in}.${p.field}` : p.in)))].join(', ');
      throw new ValidationError(`Invalid request: ${names}`, { fields: problems });
    }
    await next();
  };
}

/** Throws the resource's NotFoundError for the first resource-id path parameter that fails its schema. */
function refuseUnknownResourceIds(params: z.ZodType | undefined, raw: Record<string, unknown>): void {
  for (const [name, meta] of resourceIdsOf(params)) {
    const field = (params as z.ZodObject).shape[name] as z.ZodType;
    if (!field.safeParse(raw[name]).success) throw resourceNotFound(meta, raw[name]);
  }
}
