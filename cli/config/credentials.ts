import { NotLoggedInError } from '../exit-codes.js';
import type { StoredConfig } from './config-file.js';

/** Where the CLI finds the API and its key. */
export interface Credentials {
  apiUrl: string;
  apiKey: string;
}

/**
 * Merges the environment over the stored file, field by field: RACKPILOT_API_URL and
 * RACKPILOT_API_KEY win. Throws NotLoggedInError naming what is missing.
 */
export function resolveCredentials(
  env: Readonly<Record<string, string | undefined>>,
  stored: StoredConfig,
  configPath: string,
): Credentials {
  const apiUrl = nonEmpty(env.RACKPILOT_API_URL) ?? stored.apiUrl;
  const apiKey = nonEmpty(env.RACKPILOT_API_KEY) ?? stored.apiKey;
  const missing = [...(apiUrl ? [] : ['API URL']), ...(apiKey ? [] : ['API key'])];
  if (missing.length > 0 || !apiUrl || !apiKey) {
    throw new NotLoggedInError(
      `No ${missing.join(' or ')}: run \`rackpilot login --url <api-url> --key <api-key>\` ` +
        `or set RACKPILOT_API_URL and RACKPILOT_API_KEY (${configPath} has none)`,
    );
  }
  return { apiUrl, apiKey };
}

/** Checks an API URL given to `login`; returns it without a trailing slash. */
export function normalizeApiUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.search || url.hash) return undefined;
  return url.toString().replace(/\/+$/, '');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
