/**
 * Strategic merge of a patch into a v1alpha1 machine config, following Talos v1.10
 * `pkg/machinery/config/merge` and `configpatcher`:
 * - maps merge key by key; scalars in the patch replace; null/empty values in the patch are
 *   ignored (Go's zero values);
 * - lists append, except `cluster.network.podSubnets`/`serviceSubnets` and
 *   `cluster.apiServer.auditPolicy`, which replace (their `merge:"replace"` tags);
 * - `machine.network.interfaces` merge by `interface` or an equal `deviceSelector`,
 *   `…interfaces[].vlans` by `vlanId`, `cluster.apiServer.admissionControl` by `name`
 *   (Talos' custom Merge methods);
 * - a map holding `$patch: delete` deletes that key (or that keyed list item).
 */
import { isDeepStrictEqual } from 'node:util';

import { ValidationError } from '../errors.js';

type Plain = Record<string, unknown>;

const REPLACE_PATHS = new Set([
  'cluster.network.podSubnets',
  'cluster.network.serviceSubnets',
  'cluster.apiServer.auditPolicy',
]);

/** Keyed lists: path (with `[]` for list items) → function telling whether two items are the same entry. */
const KEYED_LISTS: Record<string, (a: Plain, b: Plain) => boolean> = {
  'machine.network.interfaces': (a, b) =>
    b.interface !== undefined
      ? a.interface === b.interface
      : b.deviceSelector !== undefined && isDeepStrictEqual(a.deviceSelector, b.deviceSelector),
  'machine.network.interfaces[].vlans': (a, b) => a.vlanId === b.vlanId,
  'cluster.apiServer.admissionControl': (a, b) => a.name === b.name,
};

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isZero(value: unknown): boolean {
  return (
    value === null ||
    value === undefined ||
    (Array.isArray(value) && value.length === 0) ||
    (isPlain(value) && Object.keys(value).length === 0)
  );
}

function isDelete(value: unknown): boolean {
  return isPlain(value) && value.$patch === 'delete';
}

function typeMismatch(path: string, left: unknown, right: unknown): ValidationError {
  const kind = (v: unknown) => (Array.isArray(v) ? 'list' : v === null ? 'null' : typeof v);
  return new ValidationError(`Patch does not fit the machine config at ${path}`, [
    { field: `patches.${path}`, problem: `cannot merge ${kind(right)} into ${kind(left)}` },
  ]);
}

function mergeKeyedList(left: unknown[], right: unknown[], path: string, same: (a: Plain, b: Plain) => boolean) {
  const out = left.map((item) => (isPlain(item) ? structuredClone(item) : item));
  for (const item of right) {
    if (!isPlain(item)) throw typeMismatch(path, left, item);
    const index = out.findIndex((existing) => isPlain(existing) && same(existing, item));
    if (index === -1) {
      if (!isDelete(item)) out.push(structuredClone(item));
    } else if (isDelete(item)) {
      out.splice(index, 1);
    } else {
      out[index] = mergeValue(out[index], item, `${path}[]`);
    }
  }
  return out;
}

function mergeValue(left: unknown, right: unknown, path: string): unknown {
  if (isZero(right)) return left;
  if (left === undefined || left === null || REPLACE_PATHS.has(path)) return structuredClone(right);
  if (Array.isArray(left)) {
    if (!Array.isArray(right)) throw typeMismatch(path, left, right);
    const same = KEYED_LISTS[path];
    return same ? mergeKeyedList(left, right, path, same) : [...left, ...structuredClone(right)];
  }
  if (isPlain(left)) {
    if (!isPlain(right)) throw typeMismatch(path, left, right);
    return mergeMaps(left, right, path);
  }
  if (isPlain(right) || Array.isArray(right)) throw typeMismatch(path, left, right);
  return right;
}

function mergeMaps(left: Plain, right: Plain, path: string): Plain {
  const out: Plain = { ...left };
  for (const [key, value] of Object.entries(right)) {
    const childPath = path === '' ? key : `${path}.${key}`;
    if (isDelete(value)) delete out[key];
    else out[key] = mergeValue(left[key], value, childPath);
  }
  return out;
}

/**
 * Returns `config` with `patches` applied in order; neither argument is modified.
 * Thrown (ValidationError) when a patch puts a list or map where the config has another type.
 */
export function strategicMerge<T extends Plain>(config: T, ...patches: Plain[]): T {
  return patches.reduce<Plain>((acc, patch) => mergeMaps(acc, patch, ''), structuredClone(config)) as T;
}
