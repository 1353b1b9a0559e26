/**
 * Builders shared by the Talos unit tests: a sample cluster request, the injected RSA key and a
 * deterministic bundle. Test-only; not exported from index.ts.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { seededCryptoSource, type CryptoSource } from './crypto-source.js';
import type { TalosClusterInput } from './cluster-input.js';
import { generateSecretsBundle, type TalosSecretsBundle } from './secrets-bundle.js';

/** Directory of the Talos fixtures and golden files. */
export const FIXTURES_DIR = fileURLToPath(new URL('../../test/fixtures/talos/', import.meta.url));

/** The fixed clock of deterministic tests. */
export const FIXED_NOW = new Date('2025-06-01T12:00:00.000Z');

/** Returns the pre-generated RSA-4096 test key (service account). */
export function fixtureRsaKey(): KeyObject {
  return createPrivateKey(readFileSync(`${FIXTURES_DIR}service-account-rsa4096.key.pem`, 'utf8'));
}

/** Returns a seeded crypto source that can also hand out the fixture RSA key once. */
export function testSource(seed = 'rackpilot-golden'): CryptoSource {
  return seededCryptoSource(seed, { rsaKeys: [fixtureRsaKey()] });
}

/** Returns a deterministic bundle (seeded keys, fixture RSA key, fixed clock). */
export function testBundle(seed = 'rackpilot-golden'): Promise<TalosSecretsBundle> {
  return generateSecretsBundle({ source: testSource(seed), now: () => FIXED_NOW });
}

/** A three-node lab cluster on loopback addresses, with overrides. */
export function sampleClusterInput(overrides: Partial<TalosClusterInput> = {}): TalosClusterInput {
  return {
    clusterName: 'lab',
    gateway: '127.10.0.1',
    dns: ['127.10.0.53'],
    ntp: ['time.lab.example'],
    extraSANs: ['api.lab.example', '127.10.0.100'],
    kubernetesVersion: '1.33.3',
    talosVersion: 'v1.10.6',
    nodes: [
      {
        role: 'controlplane',
        hostname: 'cp-1',
        ip: '127.10.0.11',
        prefix: 24,
        mac: '52:54:00:AA:00:11',
        installDisk: { wwn: '0x5000c500a1b2c3d4' },
      },
      {
        role: 'controlplane',
        hostname: 'cp-2',
        ip: '127.10.0.12',
        prefix: 24,
        mac: '52:54:00:aa:00:12',
        installDisk: { serial: 'S4EWNX0R123456' },
      },
      {
        role: 'worker',
        hostname: 'worker-1',
        ip: '127.10.0.21',
        prefix: 24,
        mac: '52:54:00:aa:00:21',
        installDisk: { path: '/dev/nvme0n1' },
        patches: [{ machine: { nodeLabels: { 'rackpilot.io/rack': 'r1' } } }],
      },
    ],
    ...overrides,
  };
}

/** Returns `openssl x509 -text` of a PEM certificate: an independent reading of its extensions. */
export function opensslText(pem: string): string {
  return execFileSync('openssl', ['x509', '-noout', '-text'], { input: pem, encoding: 'utf8' });
}

/**
 * Runs `openssl verify` of `certPem` against the single trusted `caPem` (at time `at`, default now);
 * returns its output, throws when refused.
 */
export function opensslVerify(caPem: string, certPem: string, at?: Date): string {
  const dir = mkdtempSync(join(tmpdir(), 'talos-verify-'));
  try {
    writeFileSync(join(dir, 'ca.pem'), caPem);
    writeFileSync(join(dir, 'cert.pem'), certPem);
    const attime = at === undefined ? [] : ['-attime', String(Math.floor(at.getTime() / 1000))];
    const args = ['verify', '-x509_strict', ...attime, '-CAfile', join(dir, 'ca.pem'), join(dir, 'cert.pem')];
    return execFileSync('openssl', args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
