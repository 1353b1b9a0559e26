import type { PageRequest } from '../../db/page.js';
import type { AuditEntry, AuditListFilter, AuditRepository } from '../../db/audit-repository.js';

/** Reads the audit log of one organization (rows are written by the audit-trail middleware). */
export class AuditService {
  constructor(private readonly entries: AuditRepository) {}

  /** One page of the organization's entries matching `filter`. */
  list(orgId: string, filter: AuditListFilter, page: PageRequest): Promise<{ items: AuditEntry[]; total: number }> {
    return this.entries.list(orgId, filter, page);
  }
}
