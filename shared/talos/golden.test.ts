import { existsSync, readFileSync, writeFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { generateAdminKubeconfig } from './kubeconfig.js';
import { generateMachineConfigs } from './machine-config.js';
import { toTalosctlSecrets } from './secrets-bundle.js';
import { generateTalosconfig } from './talosconfig.js';
import { FIXED_NOW, FIXTURES_DIR, sampleClusterInput, testBundle, testSource } from './test-helpers.js';
import { validateClusterInput } from './validate-cluster-input.js';

/** Every artefact for the sample cluster from one seed, fixed clock and the fixture RSA key. */
async function renderAll(seed: string): Promise<Record<string, string>> {
  const bundle = await testBundle(seed);
  const input = validateClusterInput(sampleClusterInput({ vip: '127.10.0.100' }));
  const clientOptions = { source: testSource(`${seed}-clients`), now: () => FIXED_NOW };
  const files: Record<string, string> = {
    'secrets.golden.json': `${JSON.stringify(toTalosctlSecrets(bundle), null, 2)}\n`,
    'talosconfig.golden.yaml': (await generateTalosconfig(input, bundle, clientOptions)).yaml,
    'kubeconfig.golden.yaml': (await generateAdminKubeconfig(input, bundle, clientOptions)).yaml,
  };
  for (const config of generateMachineConfigs(input, bundle)) files[`${config.hostname}.golden.yaml`] = config.yaml;
  return files;
}

describe('golden files (seeded randomness, injected RSA key, fixed clock)', () => {
  it('renders byte-identical artefacts for the same seed and different ones for another seed', async () => {
    const [a, b, c] = await Promise.all([
      renderAll('rackpilot-golden'),
      renderAll('rackpilot-golden'),
      renderAll('other'),
    ]);
    expect(b).toEqual(a);
    expect(c['cp-1.golden.yaml']).not.toBe(a['cp-1.golden.yaml']);
  });

  it('matches the committed golden files', async () => {
    const files = await renderAll('rackpilot-golden');
    expect(Object.keys(files).sort()).toEqual([
      'cp-1.golden.yaml',
      'cp-2.golden.yaml',
      'kubeconfig.golden.yaml',
      'secrets.golden.json',
      'talosconfig.golden.yaml',
      'worker-1.golden.yaml',
    ]);
    for (const [name, content] of Object.entries(files)) {
      const path = `${FIXTURES_DIR}${name}`;
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, content);
      expect(existsSync(path), `${name} is missing: run with UPDATE_GOLDEN=1 and review`).toBe(true);
      expect(content, name).toBe(readFileSync(path, 'utf8'));
    }
  });
});
