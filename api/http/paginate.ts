import { z } from 'zod';
import type { PageRequest } from '../../db/page.js';

/** One sort key: `-createdAt` → `{ field: 'createdAt', direction: -1 }`. */
export interface SortKey {
  field: string;
  direction: 1 | -1;
}

/** Default and largest page sizes. */
export const PER_PAGE_DEFAULT = 50;
export const PER_PAGE_MAX = 500;

/**
 * The query schema of a list endpoint: `page` (from 1), `perPage` (default 50, at most 500),
 * `sort` (comma-separated fields, `-` for descending, only from `sortable`), plus the resource's
 * own filters.
 */
export function listQuery<F extends z.ZodRawShape>(
  sortable: readonly [string, ...string[]],
  defaultSort: string,
  filters: F,
) {
  // A pattern rather than a refinement, so the OpenAPI document states exactly what is accepted
  // (schemathesis' positive_data_acceptance check sent sort values the document allowed and this refused).
  const field = `-?(?:${sortable.map(escapeRegExp).join('|')})`;
  const sortPattern = new RegExp(`^ *${field} *(?:, *${field} *)*$`);
  return z
    .object({
      page: z.coerce.number().int().min(1).default(1).describe('Page number, from 1'),
      perPage: z.coerce
        .number()
        .int()
        .min(1)
        .max(PER_PAGE_MAX)
        .default(PER_PAGE_DEFAULT)
        .describe(`Items per page (default ${PER_PAGE_DEFAULT}, at most ${PER_PAGE_MAX})`),
      sort: z
        .string()
        .regex(sortPattern, `sort by ${sortable.join(', ')}; prefix - for descending`)
        .default(defaultSort)
        .transform(parseSort)
        .describe(`Comma-separated, \`-\` for descending. Fields: ${sortable.join(', ')}. Default \`${defaultSort}\`.`),
      ...filters,
    })
    .strict();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Parses `-createdAt,name` into sort keys (input already checked against the allowed fields). */
export function parseSort(text: string): SortKey[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => (part.startsWith('-') ? { field: part.slice(1), direction: -1 } : { field: part, direction: 1 }));
}

export type { PageRequest };

/** Turns validated list parameters into skip/limit/sort for a repository. */
export function paginate(query: { page: number; perPage: number; sort: SortKey[] }): PageRequest {
  return { skip: (query.page - 1) * query.perPage, limit: query.perPage, sort: query.sort };
}

/** Builds the list envelope `{ <resource>: [...], page, perPage, total }`. */
export function listBody<K extends string, T>(
  resource: K,
  items: T[],
  query: { page: number; perPage: number },
  total: number,
): { [P in K]: T[] } & { page: number; perPage: number; total: number } {
  return { [resource]: items, page: query.page, perPage: query.perPage, total } as { [P in K]: T[] } & {
    page: number;
    perPage: number;
    total: number;
  };
}

/** The response schema of a list endpoint, for the OpenAPI document and response checks. */
export function listSchema<K extends string, T extends z.ZodType>(resource: K, item: T) {
  return z.object({
    [resource]: z.array(item),
    page: z.number().int().min(1),
    perPage: z.number().int().min(1).max(PER_PAGE_MAX),
    total: z.number().int().min(0),
  } as { [P in K]: z.ZodArray<T> } & {
    page: z.ZodNumber;
    perPage: z.ZodNumber;
    total: z.ZodNumber;
  });
}
