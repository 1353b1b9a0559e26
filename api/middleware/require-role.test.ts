import type { Context } from 'koa';
import { describe, expect, it } from 'vitest';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../../shared/errors.js';
import { presentedKey } from './authenticate.js';
import { assertSiteScope, requireRole } from './require-role.js';

const ctxWith = (state: object, headers: Record<string, string> = {}) =>
  ({ state, get: (name: string) => headers[name.toLowerCase()] ?? '' }) as unknown as Context;
const next = async () => undefined;

describe('requireRole', () => {
  it('lets listed roles through and answers others with 403 naming the allowed roles', async () => {
    await expect(
      requireRole('admin', 'operator')(ctxWith({ auth: { orgId: 'o', keyId: 'k', role: 'operator' } }), next),
    ).resolves.toBeUndefined();
    const err = await requireRole('admin')(ctxWith({ auth: { orgId: 'o', keyId: 'k', role: 'viewer' } }), next).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((err as ForbiddenError).details).toEqual({ role: 'viewer', allowed: ['admin'] });
  });

  it('answers 401 on a route wired without authentication', async () => {
    await expect(requireRole('admin')(ctxWith({}), next)).rejects.toBeInstanceOf(UnauthorizedError);
  });
});

describe('assertSiteScope', () => {
  it('hides other sites from an agent key and leaves human keys to organization scoping', () => {
    expect(() => assertSiteScope({ orgId: 'o', keyId: 'k', role: 'agent', siteId: 's1' }, 's1')).not.toThrow();
    expect(() => assertSiteScope({ orgId: 'o', keyId: 'k', role: 'agent', siteId: 's1' }, 's2')).toThrow(NotFoundError);
    expect(() => assertSiteScope({ orgId: 'o', keyId: 'k', role: 'operator' }, 's2')).not.toThrow();
  });
});

describe('presentedKey', () => {
  it('reads Bearer tokens (any case) and X-API-Key, preferring Authorization', () => {
    expect(presentedKey(ctxWith({}, { authorization: 'Bearer rp_a_b' }))).toBe('rp_a_b');
    expect(presentedKey(ctxWith({}, { authorization: 'bearer   rp_a_b ' }))).toBe('rp_a_b');
    expect(presentedKey(ctxWith({}, { 'x-api-key': 'rp_c_d' }))).toBe('rp_c_d');
    expect(presentedKey(ctxWith({}, { authorization: 'Bearer rp_a_b', 'x-api-key': 'rp_c_d' }))).toBe('rp_a_b');
    expect(presentedKey(ctxWith({}))).toBeUndefined();
  });
});
