// `npm run setup` (also run before `npm start` and `npm test`): installs what the project needs
// outside node_modules — Debian packages, the Python tools and the Go-built dev servers — idempotently, cached
// under ~/.cache/rackpilot so a second run costs nothing.
import { findServerBinary } from '../devservices/find-binary.js';
import { buildFerretDb, buildTemporal } from '../devservices/go-build.js';
import { ensureTalosValidator } from '../talos-validator/build.js';
import { ensurePythonTools } from './python-tools.js';
import { ensureSystemPackages } from './system-packages.js';
import { ensureUiBuild } from './ui-build.js';
import { ensureVmLabPrerequisites } from './vm-lab-prerequisites.js';

const say = (line: string) => console.log(`[setup] ${line}`);

async function main(): Promise<void> {
  ensureSystemPackages(say);
  // Required: the lab's Redfish BMCs are sushy-tools (a failed pip install stops setup with its output).
  ensurePythonTools(say);
  // The dashboard the API serves at /ui/ (a second or two; nothing when its sources are unchanged).
  await ensureUiBuild(say);
  // Before the Go builds start: apt and the image build would compete with them for the CPU.
  const vmLab = await ensureVmLabPrerequisites(say);
  if (vmLab) say(`VM lab tier unavailable (its tests skip): ${vmLab}`);
  const builds: Promise<string>[] = [];
  if (!process.env.MONGODB_URI && !findServerBinary('mongod') && !findServerBinary('ferretdb')) {
    builds.push(buildFerretDb(say));
  }
  if (!process.env.TEMPORAL_ADDRESS && !findServerBinary('temporal')) {
    builds.push(buildTemporal(say));
  }
  // Talos' own config validator checks our generated machine configs in the tests.
  builds.push(
    ensureTalosValidator(say).then((path) => {
      if (!path) throw new Error('could not build the Talos config validator (see the lines above)');
      return path;
    }),
  );
  await Promise.all(builds);
}

main().catch((err: unknown) => {
  console.error(`[setup] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
