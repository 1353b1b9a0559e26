/**
 * The repository's import graph between folders, read from the source: every relative
 * `import … from`, `export … from` and `import()` of every TypeScript file. Tests check the
 * layering on it (layering.test.ts); the lint rules catch the same mistakes in an editor.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

/** An import of one file by another, both relative to the repository root. */
export interface ImportEdge {
  from: string;
  to: string;
  /** The specifier as written. */
  specifier: string;
}

const SKIP = new Set(['node_modules', '.git', 'dist', 'coverage', '.rackpilot', 'test-results']);
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;

/** Every `.ts` and `.tsx` file under `root`, relative to it, with `/` separators. */
export function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (SKIP.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
        out.push(relative(root, path).split(sep).join('/'));
    }
  };
  walk(root);
  return out.sort();
}

/** The specifiers a source text imports (comments are not parsed away: a specifier in a comment counts). */
export function specifiersOf(source: string): string[] {
  return [...source.matchAll(SPECIFIER)].map((m) => m[1]!);
}

/** Relative imports between files, and the bare package names each file imports. */
export function readImports(root: string, files: readonly string[]) {
  const edges: ImportEdge[] = [];
  const packages: { from: string; name: string }[] = [];
  for (const file of files) {
    for (const specifier of specifiersOf(readFileSync(join(root, file), 'utf8'))) {
      if (specifier.startsWith('.')) {
        const to = normalize(join(dirname(file), specifier))
          .split(sep)
          .join('/');
        edges.push({ from: file, to, specifier });
      } else {
        packages.push({ from: file, name: specifier });
      }
    }
  }
  return { edges, packages };
}

/**
 * The unit a file belongs to: its top-level folder, except under `tools/`, whose folders are
 * separate programs (setup, dev services, `npm start`) and count one by one.
 */
export function unitOf(file: string): string {
  const parts = file.split('/');
  if (parts.length === 1) return '.';
  return parts[0] === 'tools' && parts.length > 2 ? `tools/${parts[1]}` : parts[0]!;
}

/** One cycle of the unit graph, as a path that starts and ends at the same unit, or undefined. */
export function findCycle(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (unit: string): string[] | undefined => {
    if (state.get(unit) === 'done') return undefined;
    if (state.get(unit) === 'open') return [...path.slice(path.indexOf(unit)), unit];
    state.set(unit, 'open');
    path.push(unit);
    for (const next of graph.get(unit) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(unit, 'done');
    return undefined;
  };
  for (const unit of graph.keys()) {
    const cycle = visit(unit);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Unit → the units it imports from (itself excluded). */
export function unitGraph(edges: readonly ImportEdge[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    const a = unitOf(from);
    const b = unitOf(to);
    if (a === b) continue;
    if (!graph.has(a)) graph.set(a, new Set());
    graph.get(a)!.add(b);
  }
  return graph;
}
