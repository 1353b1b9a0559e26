import type { Logger } from '../../shared/logger.js';
import { Authenticator } from '../auth/authenticator.js';
import type { ApiConfig } from '../config.js';
import { RateLimiter } from '../rate-limit/rate-limiter.js';
import { ApiKeyService } from '../services/api-key-service.js';
import { AuditService } from '../services/audit-service.js';
import type { Repositories } from './repositories.js';

/** Rate-limit reservations per process never exceed this (see RateLimiter). */
const RATE_LIMIT_MAX_BATCH = 100;

/** Who is calling and how often: API keys, their authentication and rate limits, and the audit log. */
export function createAuth(deps: {
  config: ApiConfig;
  repositories: Repositories;
  now: () => Date;
  log: Logger;
  rateLimitMaxBatch?: number | undefined;
}) {
  const { config, repositories, now, log } = deps;
  const authenticator = new Authenticator(repositories.apiKeys, { cacheTtlMs: config.authCacheTtlMs, now }, log);
  const rateLimiter = new RateLimiter(
    repositories.rateLimits,
    { ...config.rateLimit, maxBatch: deps.rateLimitMaxBatch ?? RATE_LIMIT_MAX_BATCH },
    now,
    log,
  );
  const apiKeys = new ApiKeyService(repositories.apiKeys, {
    now,
    rotationGraceSeconds: config.keyRotationGraceSeconds,
    // A revoked or rotated key stops working at once in this process, not when its cache entry expires.
    onChange: (keyId) => authenticator.invalidate(keyId),
  });
  return { authenticator, rateLimiter, apiKeys, audit: new AuditService(repositories.audit) };
}
