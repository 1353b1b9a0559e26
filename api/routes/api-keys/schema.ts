import { z } from 'zod';
import { ALL_ROLES, type Role } from '../../../shared/api-types.js';
import { listQuery } from '../../http/paginate.js';

const roleEnum = z.enum(ALL_ROLES as [Role, ...Role[]]);

/** Path parameter `{id}` of one key. */
export { apiKeyIdParams as apiKeyParams } from '../../http/resource-id.js';

/** Body of `POST /api/v1/api-keys`. */
export const createApiKeyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100).describe('What the key is for, e.g. `ci-pipeline`'),
    role: roleEnum.describe('admin | operator | viewer | agent'),
    siteId: z.string().min(1).max(64).optional().describe('Required for, and only for, agent keys'),
  })
  .superRefine((body, ctx) => {
    if (body.role === 'agent' && !body.siteId)
      ctx.addIssue({ code: 'custom', path: ['siteId'], message: 'agent keys need a siteId' });
    if (body.role !== 'agent' && body.siteId)
      ctx.addIssue({ code: 'custom', path: ['siteId'], message: 'only agent keys have a siteId' });
  });

/** Query of `GET /api/v1/api-keys`. */
export const listApiKeysQuery = listQuery(['createdAt', 'name', 'lastUsedAt'], '-createdAt', {
  role: roleEnum.optional().describe('Only keys of this role'),
  status: z.enum(['active', 'revoked']).optional().describe('Only active or only revoked keys'),
});

export type CreateApiKeyBody = z.infer<typeof createApiKeyBody>;
