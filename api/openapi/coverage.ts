import type Router from '@koa/router';
import { openApiPath } from './route-doc.js';

/**
 * Compares the routes Koa actually serves with the OpenAPI document. Returns what is served but
 * undocumented and what is documented but not served (`METHOD /path`, OpenAPI path syntax).
 * HEAD is implied by GET and not compared.
 */
export function compareRoutesWithDocument(
  router: Router,
  document: { paths?: Record<string, Record<string, unknown>> },
): { undocumented: string[]; unserved: string[] } {
  const served = new Set<string>();
  for (const layer of router.stack) {
    const path = typeof layer.path === 'string' ? openApiPath(layer.path) : String(layer.path);
    for (const method of layer.methods) if (method !== 'HEAD') served.add(`${method} ${path}`);
  }
  const documented = new Set<string>();
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${path}`);
  }
  return {
    undocumented: [...served].filter((r) => !documented.has(r)).sort(),
    unserved: [...documented].filter((r) => !served.has(r)).sort(),
  };
}
