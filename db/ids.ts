import { randomBytes } from 'node:crypto';

/** A new resource id: a readable prefix and 16 hex characters, e.g. `ast_3f9a0c12d4e5b6a7`. */
export function newId(prefix: 'ast' | 'job' | 'clu' | 'site' | 'org' | 'evt'): string {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}
