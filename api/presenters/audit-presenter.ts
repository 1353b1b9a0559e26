import { z } from 'zod';
import { ALL_ROLES } from '../../shared/api-types.js';
import type { AuditEntry } from '../../db/audit-repository.js';

/** One audit-log row on the wire. */
export const auditEntrySchema = z.strictObject({
  id: z.string(),
  keyId: z.string().describe('The API key that made the request'),
  role: z.enum(ALL_ROLES as [string, ...string[]]),
  action: z.string().describe('`<resource>.<verb>`, e.g. `api_key.rotate`'),
  target: z.strictObject({ type: z.string(), id: z.string().nullable() }),
  result: z.enum(['success', 'failure', 'denied']),
  status: z.number().int(),
  requestId: z.string(),
  method: z.string(),
  path: z.string(),
  at: z.iso.datetime(),
});

/** Shapes an audit row for the wire (drops the organization id: it is always the caller's). */
export function presentAuditEntry(entry: AuditEntry): z.infer<typeof auditEntrySchema> {
  return {
    id: entry.id,
    keyId: entry.keyId,
    role: entry.role,
    action: entry.action,
    target: entry.target,
    result: entry.result,
    status: entry.status,
    requestId: entry.requestId,
    method: entry.method,
    path: entry.path,
    at: entry.at.toISOString(),
  };
}
