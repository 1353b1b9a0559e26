/**
 * Records what a real Redfish service answers: starts the lab's Redfish BMC of machine `lab-01`
 * (sushy-emulator, the version `npm run setup` installs), walks every resource linked from the
 * service root (breadth first, bounded) and writes `test/fixtures/redfish/sushy-<version>.json`:
 * one object of path → parsed body, plus the paths that answered an error and with what status.
 * The driver's unit tests read that file. Run: `npx tsx lab/bmc/record-redfish-fixtures.ts [outFile]`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultServerSpec } from '../machine/machine-spec.js';
import { startRedfishBmc } from './redfish-bmc.js';
import { redfishRequest, type RedfishTarget } from './redfish-request.js';
import { labSystemUuid } from './sushy-files.js';

/** The sushy-tools pinned in tools/setup/python-requirements.txt. */
const SUSHY_TOOLS_VERSION = '2.2.0';
/** Enough for one system's tree; a loop in the links cannot run away. */
const MAX_RESOURCES = 200;
/** Not worth a fixture: fragments of a resource already recorded, schema documents, sushy's static registries. */
const SKIPPED = /#|\/\$metadata|\/JsonSchemas|\/Registries/;

/** The `@odata.id` links anywhere inside `value`, except its own. */
export function linksIn(value: unknown, self?: string): string[] {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [key, child] of Object.entries(node)) {
      if (key === '@odata.id' && typeof child === 'string' && child !== self) found.add(child.replace(/\/$/, ''));
      else visit(child);
    }
  };
  visit(value);
  return [...found];
}

/** What a recording holds. */
export interface RedfishRecording {
  recordedWith: string;
  systemId: string;
  resources: Record<string, unknown>;
  errors: Record<string, number>;
}

async function crawl(target: RedfishTarget): Promise<Pick<RedfishRecording, 'resources' | 'errors'>> {
  const resources: Record<string, unknown> = {};
  const errors: Record<string, number> = {};
  const queue = ['/redfish/v1'];
  const seen = new Set(queue);
  while (queue.length > 0 && Object.keys(resources).length < MAX_RESOURCES) {
    const path = queue.shift() as string;
    const res = await redfishRequest(target, 'GET', path.endsWith('/v1') ? `${path}/` : path, { timeoutMs: 10_000 });
    if (res.status !== 200) {
      errors[path] = res.status;
      continue;
    }
    const body = JSON.parse(res.body) as unknown;
    resources[path] = body;
    for (const next of linksIn(body, path)) {
      if (seen.has(next) || SKIPPED.test(next) || !next.startsWith('/redfish/v1')) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return { resources, errors };
}

async function main(outFile: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rackpilot-record-redfish-'));
  const spec = defaultServerSpec(0);
  const bmc = await startRedfishBmc({
    address: spec.bmcAddress,
    username: 'admin',
    password: 'fixture-password',
    stateDir: join(dir, 'bmc'),
    system: {
      uuid: labSystemUuid(spec.name, spec.dmi.serial),
      name: spec.name,
      macs: spec.nics.map((n) => n.mac),
      disks: spec.disks,
    },
  });
  try {
    const recorded = await crawl({
      address: bmc.address,
      port: bmc.port,
      fingerprintSha256: bmc.fingerprintSha256,
      username: bmc.username,
      password: bmc.password,
    });
    const recording: RedfishRecording = {
      recordedWith: `sushy-tools ${SUSHY_TOOLS_VERSION} (fake driver), lab machine ${spec.name}`,
      systemId: bmc.systemId,
      ...recorded,
    };
    await mkdir(dirname(outFile), { recursive: true });
    await writeFile(outFile, `${JSON.stringify(recording, null, 2)}\n`);
    const count = Object.keys(recorded.resources).length;
    console.log(`${outFile}: ${count} resources, ${Object.keys(recorded.errors).length} errors`);
  } finally {
    await bmc.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const defaultFile = fileURLToPath(
    new URL(`../../test/fixtures/redfish/sushy-${SUSHY_TOOLS_VERSION}.json`, import.meta.url),
  );
  main(process.argv[2] ?? defaultFile).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
