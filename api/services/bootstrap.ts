import { randomInt } from 'node:crypto';
import { ConflictError } from '../../shared/errors.js';
import type { Container } from '../container.js';
import type { Organization } from '../../db/organization-repository.js';

/** What bootstrapping created: the organization, its admin key's id, and the full key (show it once). */
export interface Bootstrapped {
  organization: Organization;
  keyId: string;
  apiKey: string;
}

/** Returns a new organization id `org_<12 × [0-9a-z]>`. */
export function newOrganizationId(): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  let id = 'org_';
  for (let i = 0; i < 12; i += 1) id += alphabet[randomInt(alphabet.length)];
  return id;
}

/**
 * Creates an organization and its first admin key. Throws ConflictError ALREADY_BOOTSTRAPPED
 * when an active admin key exists anywhere, unless `allowAdditional` (CLI `--force-new-org`;
 * tests and the dev start creating several organizations).
 */
export async function bootstrapOrganization(
  container: Container,
  input: { name: string; allowAdditional?: boolean },
): Promise<Bootstrapped> {
  const name = input.name.trim();
  if (!name) throw new ConflictError('Organization name is empty');
  if (!input.allowAdditional && (await container.repositories.apiKeys.anyActiveAdmin())) {
    throw new ConflictError('An admin API key already exists', undefined, 'ALREADY_BOOTSTRAPPED');
  }
  const organization: Organization = { id: newOrganizationId(), name, createdAt: container.now() };
  await container.repositories.organizations.insert(organization);
  const issued = await container.services.apiKeys.issue(organization.id, {
    name: 'bootstrap admin',
    role: 'admin',
    createdBy: null,
  });
  container.log.info({ orgId: organization.id, keyId: issued.record.id }, 'organization bootstrapped');
  return { organization, keyId: issued.record.id, apiKey: issued.key };
}
