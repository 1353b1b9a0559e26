import type { Collection, Document, Filter, WithId } from 'mongodb';

/** One page to read: validated by the route's list parameters. */
export interface PageRequest {
  skip: number;
  limit: number;
  sort: readonly { field: string; direction: 1 | -1 }[];
}

/** A page of documents and how many match the filter in all. */
export interface Page<T> {
  items: T[];
  total: number;
}

/** Turns `-createdAt,name` style sort specs (already validated) into a MongoDB sort with a stable tie-breaker. */
export function toMongoSort(
  sort: readonly { field: string; direction: 1 | -1 }[],
  idField = '_id',
): Record<string, 1 | -1> {
  const out: Record<string, 1 | -1> = {};
  for (const { field, direction } of sort) out[field === 'id' ? idField : field] = direction;
  if (!(idField in out)) out[idField] = 1;
  return out;
}

/**
 * One page of `collection` matching `query`, and the total. `rename` maps an API sort field to
 * the stored one (an asset's `status` is stored as `state`).
 */
export async function findPage<T extends Document>(
  collection: Collection<T>,
  query: Filter<T>,
  page: PageRequest,
  rename: Readonly<Record<string, string>> = {},
): Promise<Page<WithId<T>>> {
  const sort = toMongoSort(page.sort.map((s) => ({ ...s, field: rename[s.field] ?? s.field })));
  const [items, total] = await Promise.all([
    collection.find(query).sort(sort).skip(page.skip).limit(page.limit).toArray(),
    collection.countDocuments(query),
  ]);
  return { items, total };
}
