import type { Context } from 'koa';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../../shared/errors.js';
import { validate } from './validate.js';

function fakeCtx(parts: { body?: unknown; query?: Record<string, string>; params?: Record<string, string> }) {
  return {
    request: { body: parts.body },
    query: parts.query ?? {},
    params: parts.params ?? {},
    state: {},
  } as unknown as Context;
}

describe('validate', () => {
  const schemas = {
    params: z.strictObject({ id: z.string().regex(/^a\d$/) }),
    query: z.strictObject({ n: z.coerce.number().int().default(1) }),
    body: z.strictObject({ name: z.string().min(1), nested: z.strictObject({ ip: z.ipv4() }) }),
  };

  it('stores the parsed values on ctx.state and calls the handler', async () => {
    const ctx = fakeCtx({ params: { id: 'a1' }, query: { n: '3' }, body: { name: 'x', nested: { ip: '10.0.0.1' } } });
    let called = false;
    await validate(schemas)(ctx, async () => {
      called = true;
    });
    expect(called).toBe(true);
    expect(ctx.state).toMatchObject({ params: { id: 'a1' }, query: { n: 3 }, body: { name: 'x' } });
  });

  it('names every offending field across params, query and body, unknown fields included', async () => {
    const ctx = fakeCtx({
      params: { id: 'b' },
      query: { n: 'x', extra: '1' },
      body: { name: '', nested: { ip: '999.1.1.1' } },
    });
    const err = await validate(schemas)(ctx, async () => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    const fields = (err as ValidationError & { details: { fields: { in: string; field: string }[] } }).details.fields;
    expect(fields.map((f) => `${f.in}:${f.field}`).sort()).toEqual([
      'body:name',
      'body:nested.ip',
      'params:id',
      'query:extra',
      'query:n',
    ]);
    expect((err as Error).message).toBe('Invalid request: params.id, query.n, query.extra, body.name, body.nested.ip');
  });
});
