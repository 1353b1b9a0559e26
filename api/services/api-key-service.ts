import type { Role } from '../../shared/api-types.js';
import { ConflictError, ErrorCodes, NotFoundError } from '../../shared/errors.js';
import { formatApiKey, hashKeySecret, newKeyId, newKeySecret } from '../auth/api-key-format.js';
import type { ApiKeyListFilter, ApiKeyRecord, ApiKeyRepository } from '../../db/api-key-repository.js';
import type { PageRequest } from '../../db/page.js';

/** A key just issued or rotated: the record, and the full key to show the caller exactly once. */
export interface IssuedKey {
  record: ApiKeyRecord;
  key: string;
}

/** What to issue. */
export interface NewKey {
  name: string;
  role: Role;
  siteId?: string | undefined;
  createdBy: string | null;
}

/** API-key use cases: issue, list, read, revoke, rotate. Every call is scoped to one organization. */
export class ApiKeyService {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly options: { now: () => Date; rotationGraceSeconds: number; onChange: (keyId: string) => void },
  ) {}

  /** Issues a new key in `orgId`. */
  async issue(orgId: string, input: NewKey): Promise<IssuedKey> {
    const secret = newKeySecret();
    const record: ApiKeyRecord = {
      id: newKeyId(),
      orgId,
      name: input.name,
      role: input.role,
      siteId: input.role === 'agent' ? (input.siteId ?? null) : null,
      secretHash: hashKeySecret(secret),
      secretLast4: secret.slice(-4),
      previousSecretHash: null,
      previousSecretExpiresAt: null,
      createdAt: this.options.now(),
      createdBy: input.createdBy,
      rotatedAt: null,
      revokedAt: null,
      lastUsedAt: null,
    };
    await this.keys.insert(record);
    return { record, key: formatApiKey(record.id, secret) };
  }

  /** One page of the organization's keys. */
  list(orgId: string, filter: ApiKeyListFilter, page: PageRequest) {
    return this.keys.list(orgId, filter, page);
  }

  /** Returns the key. Throws NotFoundError when absent or in another organization. */
  async get(orgId: string, id: string): Promise<ApiKeyRecord> {
    const record = await this.keys.findInOrg(orgId, id);
    if (!record) throw new NotFoundError(`API key ${id} not found`);
    return record;
  }

  /**
   * Revokes the key at once. Throws NotFoundError, ConflictError (already revoked), or
   * ConflictError LAST_ADMIN_KEY when it is the organization's last active admin key.
   */
  async revoke(orgId: string, id: string): Promise<ApiKeyRecord> {
    const current = await this.get(orgId, id);
    if (current.revokedAt) throw new ConflictError(`API key ${id} is already revoked`);
    if (current.role === 'admin' && (await this.keys.countActiveAdmins(orgId)) <= 1) {
      throw new ConflictError(
        'Refusing to revoke the last active admin key',
        'Create another admin key first, so the organization keeps an administrator',
        ErrorCodes.LastAdminKey,
      );
    }
    const revoked = await this.keys.revoke(orgId, id, this.options.now());
    if (!revoked) throw new ConflictError(`API key ${id} is already revoked`);
    this.options.onChange(id);
    return revoked;
  }

  /**
   * Gives the key a new secret; the previous one keeps working for the grace period. Rotating
   * again within it ends the older secret's grace at once. Throws NotFoundError or ConflictError.
   */
  async rotate(orgId: string, id: string): Promise<IssuedKey & { graceUntil: Date }> {
    const current = await this.get(orgId, id);
    if (current.revokedAt) throw new ConflictError(`API key ${id} is revoked`);
    const secret = newKeySecret();
    const at = this.options.now();
    const graceUntil = new Date(at.getTime() + this.options.rotationGraceSeconds * 1000);
    const record = await this.keys.rotate(orgId, current, {
      secretHash: hashKeySecret(secret),
      secretLast4: secret.slice(-4),
      at,
      graceUntil,
    });
    if (!record) throw new ConflictError(`API key ${id} changed concurrently; retry`);
    this.options.onChange(id);
    return { record, key: formatApiKey(id, secret), graceUntil };
  }
}
