import type { Collection, Document, Filter, FindOptions, WithId } from 'mongodb';

/**
 * The document `id` if its `scope` fields (its organization, its site) match, else null: read by
 * `_id` alone and checked here. FerretDB 1.x answers only a filter that is exactly `{_id}` from
 * its index; `{_id, orgId}` reads and decodes documents until the match, the whole collection at
 * worst (bench/README.md, "Database query shapes") — on every agent request for a BMC password,
 * with a rack of assets. A document of another scope is indistinguishable from none either way.
 * `fields`: read only these (and the scope's): a cluster's document carries every node's sealed
 * machine config, megabytes at 200 nodes, of which an agent request needs one.
 */
export async function findScoped<T extends Document & { _id: string }>(
  collection: Collection<T>,
  id: string,
  scope: Partial<Record<keyof T & string, string>>,
  fields?: readonly string[],
): Promise<WithId<T> | null> {
  const options: FindOptions = fields
    ? { projection: Object.fromEntries([...Object.keys(scope), ...fields].map((f) => [f, 1])) }
    : {};
  const doc = await collection.findOne({ _id: id } as Filter<T>, options);
  if (!doc) return null;
  for (const [field, value] of Object.entries(scope)) {
    if ((doc as Record<string, unknown>)[field] !== value) return null;
  }
  return doc;
}
