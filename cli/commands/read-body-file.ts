import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { UsageError } from '../exit-codes.js';

/** Reads a request body from a YAML or JSON file (`-f cluster.yaml`). Throws UsageError when it cannot. */
export async function readBodyFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let body: unknown;
  try {
    body = parse(text);
  } catch (err) {
    throw new UsageError(`${path} is not valid YAML/JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new UsageError(`${path} must hold one object (the request body)`);
  }
  return body as Record<string, unknown>;
}
