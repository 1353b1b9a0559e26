import { z } from 'zod';
import { listQuery } from '../../http/paginate.js';

/** Path parameter `{id}` of one site. */
export { siteIdParams as siteParams } from '../../http/resource-id.js';

const name = z
  .string()
  .trim()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'lower-case letters, digits and -, e.g. `fra-1`');

/** Body of `POST /api/v1/sites`. */
export const createSiteBody = z.strictObject({
  name: name.describe('DNS-safe site name, unique in the organization'),
  description: z.string().max(500).optional(),
});

/** Body of `PATCH /api/v1/sites/{id}`. */
export const updateSiteBody = z
  .strictObject({ name: name.optional(), description: z.string().max(500).optional() })
  .refine((b) => b.name !== undefined || b.description !== undefined, { message: 'nothing to change' })
  // The refinement is invisible to JSON Schema; `minProperties` says the same of a JSON body.
  .meta({ minProperties: 1 });

/** Query of `GET /api/v1/sites`. */
export const listSitesQuery = listQuery(['createdAt', 'name'], '-createdAt', {
  name: z.string().optional().describe('Only the site with this name'),
});
