import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { FORBIDDEN, MONGODB_ALLOWED } from '../../eslint.config.mjs';
import { findCycle, readImports, sourceFiles, unitGraph, unitOf } from './import-graph.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const production = sourceFiles(root).filter((f) => !/\.test\.tsx?$/.test(f));
const { edges, packages } = readImports(root, production);
const forbidden = FORBIDDEN;

describe('the layering of the source tree', () => {
  it('has no cycle between folders', () => {
    expect(findCycle(unitGraph(edges))).toBeUndefined();
  });

  it('has no import that runs up a layer', () => {
    const violations = edges
      .filter(({ from, to }) => forbidden[unitOf(from)]?.includes(unitOf(to)))
      .map(({ from, specifier }) => `${from} imports ${specifier}`);
    expect(violations).toEqual([]);
  });

  it('keeps the MongoDB driver inside db/ (and the tools that start database servers)', () => {
    const violations = packages
      .filter(({ from, name }) => name === 'mongodb' && !MONGODB_ALLOWED.includes(from.split('/')[0]!))
      .map(({ from }) => from);
    expect(violations).toEqual([]);
  });

  it('keeps Temporal out of the agent bridge except behind its port', () => {
    const temporal = packages
      .filter(({ from, name }) => from.startsWith('api/agent-bridge/') && name.startsWith('@temporalio/'))
      .map(({ from }) => from);
    expect([...new Set(temporal)]).toEqual(['api/agent-bridge/temporal-port.ts']);
  });

  it('finds imports of every form (the check sees what it is meant to see)', () => {
    expect(unitGraph(edges).get('api')).toContain('db');
    expect(packages.some((p) => p.from === 'db/database.ts' && p.name === 'mongodb')).toBe(true);
    expect(
      findCycle(
        new Map([
          ['a', new Set(['b'])],
          ['b', new Set(['c'])],
          ['c', new Set(['a'])],
        ]),
      ),
    ).toEqual(['a', 'b', 'c', 'a']);
  });
});

// The first lint builds the TypeScript program of the whole project: seconds, more on a busy machine.
describe('the lint rules that guard the layering', { timeout: 90_000 }, () => {
  const eslint = new ESLint({ cwd: root });
  const problems = async (filePath: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
    return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  };

  it.each([
    [
      'api/services/asset-service.ts',
      "import type { Db } from 'mongodb';\nexport type X = Db;\n",
      /Persistence lives in db/,
    ],
    [
      'db/asset-repository.ts',
      "import type { Container } from '../api/container.js';\nexport type X = Container;\n",
      /db\/ must not import from api\//,
    ],
    [
      'agent/bmc/ipmitool-driver.ts',
      "import type { Page } from '../../db/page.js';\nexport type X = Page<1>;\n",
      /agent\/ must not import from db\//,
    ],
    [
      'shared/errors.ts',
      "import type { Container } from '../api/container.js';\nexport type X = Container;\n",
      /shared\/ must not import from api\//,
    ],
    [
      'workflows/workflows/wipe.ts',
      "import type { Container } from '../../api/container.js';\nexport type X = Container;\n",
      /workflows\/ must not import from api\//,
    ],
    [
      'workflows/workflows/wipe.ts',
      "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
      /no Node built-ins/,
    ],
  ])('fail %s importing across a layer', async (file, code, message) => {
    const found = await problems(file, code);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  it('allow the imports the layering allows', async () => {
    expect(
      await problems(
        'api/services/asset-service.ts',
        "import type { Page } from '../../db/page.js';\nexport type X = Page<1>;\n",
      ),
    ).toEqual([]);
    // `api-client` is a folder of the agent, not the api/ folder.
    expect(
      await problems(
        'agent/main.ts',
        "import type { AgentApiClient } from './api-client/agent-api-client.js';\nexport type X = AgentApiClient;\n",
      ),
    ).toEqual([]);
    expect(
      await problems('api/routes/index.ts', "import type { X } from './agent/index.js';\nexport type Y = X;\n"),
    ).toEqual([]);
  });
});
