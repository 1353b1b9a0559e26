import { z } from 'zod';
import { ALL_ROLES } from '../../shared/api-types.js';
import { maskApiKey } from '../auth/api-key-format.js';
import type { ApiKeyRecord } from '../../db/api-key-repository.js';

const dateTime = z.iso.datetime();

/** An API key as the API shows it: masked, never its hash. */
export const apiKeySchema = z.strictObject({
  id: z.string().describe('Public key id (the part after `rp_`)'),
  name: z.string(),
  role: z.enum(ALL_ROLES as [string, ...string[]]),
  siteId: z.string().nullable().describe('The site of an agent key; null otherwise'),
  maskedKey: z.string().describe('`rp_<id>_********<last 4>`'),
  status: z.enum(['active', 'revoked']),
  createdAt: dateTime,
  createdBy: z.string().nullable().describe('Id of the key that created this one; null for the bootstrap key'),
  lastUsedAt: dateTime.nullable().describe('Updated at most once a minute'),
  rotatedAt: dateTime.nullable(),
  previousSecretValidUntil: dateTime
    .nullable()
    .describe('After a rotation: until when the previous secret still works'),
  revokedAt: dateTime.nullable(),
});

/** The calling key, with the organization it acts in. */
export const currentKeySchema = apiKeySchema.extend({ orgId: z.string() });

/** A key as returned once at creation or rotation, with the full secret. */
export const issuedApiKeySchema = apiKeySchema.extend({
  key: z.string().describe('The full API key. Shown only in this response: store it now.'),
});

export type ApiKeyView = z.infer<typeof apiKeySchema>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Shapes a stored key for the wire. */
export function presentApiKey(record: ApiKeyRecord, now: Date): ApiKeyView {
  const graceUntil =
    record.previousSecretExpiresAt && record.previousSecretExpiresAt > now ? record.previousSecretExpiresAt : null;
  return {
    id: record.id,
    name: record.name,
    role: record.role,
    siteId: record.siteId,
    maskedKey: maskApiKey(record.id, record.secretLast4),
    status: record.revokedAt ? 'revoked' : 'active',
    createdAt: record.createdAt.toISOString(),
    createdBy: record.createdBy,
    lastUsedAt: iso(record.lastUsedAt),
    rotatedAt: iso(record.rotatedAt),
    previousSecretValidUntil: iso(graceUntil),
    revokedAt: iso(record.revokedAt),
  };
}
