import type { PageRequest } from '../../db/page.js';
import type { AuditEntry, AuditListFilter, AuditRepository } from '../../db/audit-repository.js';

/** The audit log: written by the audit-trail middleware (and public routes that record their own success), read per organization. */
export class AuditService {
  constructor(private readonly entries: AuditRepository) {}

  /** Appends one entry (the AuditSink of the audit-trail middleware). */
  insert(entry: AuditEntry): Promise<void> {
    return this.entries.insert(entry);
  }

  /** One page of the organization's entries matching `filter`. */
  list(orgId: string, filter: AuditListFilter, page: PageRequest): Promise<{ items: AuditEntry[]; total: number }> {
    return this.entries.list(orgId, filter, page);
  }
}
