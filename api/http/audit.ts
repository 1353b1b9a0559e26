import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import { isRackpilotError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { AuditEntry, AuditResult } from '../../db/audit-repository.js';
import { stateOf } from './state.js';

/** What a handler says about its mutation; anything omitted is derived from the request. */
export interface AuditNote {
  /** Stable verb `<resource>.<verb>`, e.g. `api_key.rotate`. */
  action: string;
  target?: { type: string; id: string | null };
  result?: AuditResult;
}

/** What a mutating route declares once, so even a request refused before its handler is named. */
export interface RouteAudit {
  /** `<resource>.<verb>`, e.g. `api_key.rotate`. */
  action: string;
  /** Resource type of the target; its id defaults to the `:id` path parameter. */
  targetType: string;
}

/** Names what the current mutating request did, for its audit row. */
export function audit(ctx: Context, note: AuditNote): void {
  stateOf(ctx).audit = note;
}

/** Where audit rows go (AuditRepository). */
export interface AuditSink {
  insert(entry: AuditEntry): Promise<void>;
}

/**
 * Writes one `audit_log` row for every authenticated mutating request, whether it succeeded,
 * failed or was denied, after the handler ran. The handler's `audit()` note names the action and
 * target; without one the route template is used, so no mutation goes unrecorded.
 */
export function auditTrail(deps: { sink: AuditSink; now: () => Date; log: Logger }) {
  return (declared?: RouteAudit) =>
    async function recordAudit(ctx: Context, next: Next): Promise<void> {
      let status = 500;
      try {
        await next();
        status = ctx.status;
      } catch (err) {
        status = isRackpilotError(err) ? err.status : statusOf(err);
        throw err;
      } finally {
        await write(ctx, status, deps, declared);
      }
    };
}

async function write(
  ctx: Context,
  status: number,
  deps: { sink: AuditSink; now: () => Date; log: Logger },
  declared: RouteAudit | undefined,
) {
  const state = stateOf(ctx);
  if (!state.auth) return;
  // Routine machine traffic (RouteDoc.routine) is audited only when refused.
  if (state.routine && status < 400) return;
  const note = state.audit;
  const template = String((ctx as { _matchedRoute?: unknown })._matchedRoute ?? ctx.path);
  const params = (ctx.params ?? {}) as Record<string, string | undefined>;
  const entry: AuditEntry = {
    id: randomUUID(),
    orgId: state.auth.orgId,
    keyId: state.auth.keyId,
    role: state.auth.role,
    action: note?.action ?? declared?.action ?? `${ctx.method} ${template}`,
    target: note?.target ?? {
      type: declared?.targetType ?? template.split('/')[3] ?? 'unknown',
      id: params.id ?? null,
    },
    result: note?.result ?? (status < 400 ? 'success' : status === 403 ? 'denied' : 'failure'),
    status,
    requestId: state.requestId,
    method: ctx.method,
    path: ctx.path,
    at: deps.now(),
  };
  try {
    await deps.sink.insert(entry);
  } catch (err) {
    deps.log.error({ err, audit: { ...entry, at: entry.at.toISOString() } }, 'audit write failed');
  }
}

function statusOf(err: unknown): number {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : 500;
}
