import createClient, { type Client } from 'openapi-fetch';
import { apiErrorFrom, unreachable } from './api-error.js';
import type { paths } from './openapi-types.js';

/** Where the API is and who is calling. */
export interface ClientOptions {
  /** e.g. `http://127.0.0.1:8080` (no `/api/v1`: the paths carry it). */
  apiUrl: string;
  /** An API key `rp_<id>_<secret>`, sent as `Authorization: Bearer`. */
  apiKey?: string;
  /** Replaces globalThis.fetch (tests). */
  fetch?: (input: Request) => Promise<Response>;
  /** Sent as User-Agent. */
  userAgent?: string;
}

/** The typed client: openapi-fetch over the generated `paths`, with `unwrap` for its answers. */
export type RackpilotClient = Client<paths> & { apiUrl: string };

/**
 * Creates a typed client of the Rackpilot API. Every call resolves to openapi-fetch's
 * `{data, error, response}`; pass it to `unwrap` to get the data or an ApiError. A request that
 * gets no answer rejects with an ApiError of status 0.
 */
export function createRackpilotClient(options: ClientOptions): RackpilotClient {
  const apiUrl = options.apiUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? ((input: Request) => globalThis.fetch(input));
  const client = createClient<paths>({
    baseUrl: apiUrl,
    headers: {
      ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      ...(options.userAgent ? { 'user-agent': options.userAgent } : {}),
    },
    fetch: async (input) => {
      try {
        return await fetchImpl(input);
      } catch (err) {
        throw unreachable(apiUrl, err);
      }
    },
  });
  return Object.assign(client, { apiUrl });
}

/** What every openapi-fetch call resolves to. */
interface Answer<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/**
 * Returns the data of a successful answer. Throws ApiError with the API's `{error, code,
 * details}` (or a generic body when the answer was not the API's) for any other status.
 */
export async function unwrap<D>(pending: Promise<Answer<D>>): Promise<D> {
  const { data, error, response } = await pending;
  if (!response.ok) throw apiErrorFrom(response.status, error);
  return data as D;
}
