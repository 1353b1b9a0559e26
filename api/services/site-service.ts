import { createHash, randomBytes } from 'node:crypto';
import { newId } from '../../db/ids.js';
import type { AssetRepository } from '../../db/asset-repository.js';
import type { SiteDoc, SiteListFilter, SiteRepository } from '../../db/site-repository.js';
import { ConflictError, NotFoundError, UnauthorizedError } from '../../shared/errors.js';
import type { PageRequest } from '../../db/page.js';
import { isDuplicateKeyError } from '../../db/duplicate-key.js';
import type { ApiKeyService } from './api-key-service.js';

/** Agents silent longer than this are shown offline (default 90 s). */
export const AGENT_OFFLINE_AFTER_MS_DEFAULT = 90_000;

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** Sites and the enrollment of their agents. Every call but `register` is scoped to one organization. */
export class SiteService {
  constructor(
    private readonly deps: {
      sites: SiteRepository;
      assets: AssetRepository;
      apiKeys: ApiKeyService;
      now: () => Date;
      agentOfflineAfterMs?: number;
    },
  ) {}

  get agentOfflineAfterMs(): number {
    return this.deps.agentOfflineAfterMs ?? AGENT_OFFLINE_AFTER_MS_DEFAULT;
  }

  /** Creates a site; returns it with its one-time enrollment token (only its hash is stored). */
  async create(orgId: string, input: { name: string; description?: string | undefined }) {
    const enrollmentToken = `rpe_${randomBytes(24).toString('base64url')}`;
    const at = this.deps.now();
    const site: SiteDoc = {
      _id: newId('site'),
      orgId,
      name: input.name,
      ...(input.description !== undefined ? { description: input.description } : {}),
      enrollmentTokenHash: hashToken(enrollmentToken),
      createdAt: at,
      updatedAt: at,
    };
    try {
      await this.deps.sites.insert(site);
    } catch (err) {
      if (isDuplicateKeyError(err)) throw this.nameTaken(input.name);
      throw err;
    }
    return { site, enrollmentToken };
  }

  list(orgId: string, filter: SiteListFilter, page: PageRequest) {
    return this.deps.sites.list(orgId, filter, page);
  }

  async get(orgId: string, id: string): Promise<SiteDoc> {
    const site = await this.deps.sites.findInOrg(orgId, id);
    if (!site) throw new NotFoundError(`Site ${id} not found`, { siteId: id }, 'SITE_NOT_FOUND');
    return site;
  }

  async update(orgId: string, id: string, set: { name?: string | undefined; description?: string | undefined }) {
    const clean = Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined));
    try {
      const site = await this.deps.sites.update(orgId, id, clean);
      if (!site) throw new NotFoundError(`Site ${id} not found`, { siteId: id }, 'SITE_NOT_FOUND');
      return site;
    } catch (err) {
      if (isDuplicateKeyError(err)) throw this.nameTaken(set.name ?? '');
      throw err;
    }
  }

  /** Deletes an empty site. Throws 409 SITE_NOT_EMPTY while it has assets. */
  async delete(orgId: string, id: string): Promise<SiteDoc> {
    const site = await this.get(orgId, id);
    const assets = await this.deps.assets.countInSite(orgId, id);
    if (assets > 0)
      throw new ConflictError(`Site ${id} still has ${assets} asset(s)`, { siteId: id, assets }, 'SITE_NOT_EMPTY');
    await this.deps.sites.delete(orgId, id);
    // The site's agent credentials die with it.
    for (let skip = 0; ;) {
      const { items } = await this.deps.apiKeys.list(
        orgId,
        { role: 'agent', revoked: false },
        { skip, limit: 500, sort: [{ field: 'createdAt', direction: 1 }] },
      );
      const ofSite = items.filter((k) => k.siteId === id);
      for (const key of ofSite) await this.deps.apiKeys.revoke(orgId, key.id);
      if (items.length < 500) break;
      skip += items.length - ofSite.length;
    }
    return site;
  }

  /** Exchanges a one-time enrollment token for the site's agent API key. */
  async register(input: { enrollmentToken: string; name: string; version: string }) {
    const site = await this.deps.sites.consumeEnrollment(hashToken(input.enrollmentToken), input.name);
    if (!site) throw new UnauthorizedError('Invalid or already used enrollment token');
    const issued = await this.deps.apiKeys.issue(site.orgId, {
      name: `agent ${input.name}`,
      role: 'agent',
      siteId: site._id,
      createdBy: null,
    });
    const at = this.deps.now();
    await this.deps.sites.recordAgent(site._id, {
      id: issued.record.id,
      name: input.name,
      version: input.version,
      capabilities: [],
      registeredAt: at,
      lastSeenAt: at,
    });
    return { agentId: issued.record.id, siteId: site._id, apiKey: issued.key };
  }

  /** Records an agent's heartbeat on its site. */
  async heartbeat(
    orgId: string,
    siteId: string,
    keyId: string,
    beat: {
      version: string;
      capabilities: string[];
      bootServerUrl?: string | undefined;
      runningJobs?: number | undefined;
    },
  ): Promise<void> {
    const site = await this.get(orgId, siteId);
    await this.deps.sites.recordAgent(siteId, {
      id: keyId,
      name: site.agent?.name ?? keyId,
      registeredAt: site.agent?.registeredAt ?? this.deps.now(),
      version: beat.version,
      capabilities: beat.capabilities,
      ...(beat.bootServerUrl !== undefined ? { bootServerUrl: beat.bootServerUrl } : {}),
      ...(beat.runningJobs !== undefined ? { runningJobs: beat.runningJobs } : {}),
      lastSeenAt: this.deps.now(),
    });
  }

  /** The organization of a site (for records written outside an authenticated request). */
  async orgOf(siteId: string): Promise<string | undefined> {
    return (await this.deps.sites.findById(siteId))?.orgId;
  }

  private nameTaken(name: string) {
    return new ConflictError(`A site named ${name} already exists`, { name }, 'SITE_NAME_TAKEN');
  }
}
