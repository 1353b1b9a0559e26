/**
 * Is this the database refusing a write that would break a unique index? MongoDB (and FerretDB
 * for inserts) answers code 11000 (E11000); FerretDB 1.x over SQLite answers an update that
 * collides (`findAndModify`, `update`) with code 1 and SQLite's own "UNIQUE constraint failed".
 * Callers that turn a collision into a domain error must recognise both, or the collision
 * surfaces as a 500.
 */
export function isDuplicateKeyError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (code === 11000 || code === 11001) return true;
  return typeof message === 'string' && /UNIQUE constraint failed|E11000 duplicate key/.test(message);
}
