import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTalosClient } from '../../../agent/talos/talos-client.js';
import { isTalosError, TalosErrorCodes, type TalosError } from '../../../agent/talos/talos-errors.js';
import { ExtKeyUsage, createCa } from '../../../lab/talos-node/pki.js';
import { issueTalosIdentity } from '../../../lab/talos-node/test-pki.js';
import { freePort, startLabTalosNode, type LabTalosNode } from './talos-lab-fixture.js';

async function failure(promise: Promise<unknown>): Promise<TalosError> {
  try {
    await promise;
  } catch (err) {
    if (isTalosError(err)) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe('Talos API authentication and authorization (simulated node, mTLS)', () => {
  let lab: LabTalosNode;

  beforeAll(async () => {
    lab = await startLabTalosNode('127.10.0.22');
  });
  afterAll(async () => {
    await lab?.node.close();
  });

  it('rejects a client certificate from a foreign CA with TalosAuthFailed (not retryable)', async () => {
    const foreignCa = await createCa('O=talos', 'ed25519');
    const intruder = await issueTalosIdentity(foreignCa, { trustCaPem: lab.secrets.osCa.certPem });
    const client = createTalosClient({ endpoint: lab.node.apiEndpoint, ...intruder, callTimeoutMs: 5_000 });
    try {
      const error = await failure(client.version());
      expect(error.message).toMatch(/client certificate refused/);
      expect(error.code).toBe(TalosErrorCodes.AuthFailed);
      expect(error.retryable).toBe(false);
    } finally {
      client.close();
    }
  });

  it('refuses a node whose certificate does not chain to the CA the client trusts (TalosAuthFailed)', async () => {
    const otherCa = await createCa('O=talos', 'ed25519');
    const client = createTalosClient({
      endpoint: lab.node.apiEndpoint,
      ...lab.admin,
      ca: otherCa.certPem,
      callTimeoutMs: 5_000,
    });
    try {
      expect((await failure(client.version())).code).toBe(TalosErrorCodes.AuthFailed);
    } finally {
      client.close();
    }
  });

  it('lets an os:reader read the version but denies it Bootstrap with TalosPermissionDenied', async () => {
    const reader = await issueTalosIdentity(lab.secrets.osCa, { roles: ['os:reader'] });
    const client = createTalosClient({ endpoint: lab.node.apiEndpoint, ...reader });
    try {
      expect((await client.version()).tag).toMatch(/^v1\./);
      const error = await failure(client.bootstrap(Date.now() + 5_000));
      expect(error.code).toBe(TalosErrorCodes.PermissionDenied);
      expect(lab.node.bootstrapped).toBe(false);
    } finally {
      client.close();
    }
  });

  it('rejects a certificate without the client-auth extended key usage', async () => {
    const serverUsage = await issueTalosIdentity(lab.secrets.osCa, {
      extKeyUsages: [ExtKeyUsage.ServerAuth, ExtKeyUsage.ClientAuth],
    });
    const client = createTalosClient({ endpoint: lab.node.apiEndpoint, ...serverUsage });
    try {
      expect((await failure(client.version())).code).toBe(TalosErrorCodes.AuthFailed);
    } finally {
      client.close();
    }
  });

  it('waitForApi on a closed port gives up at the deadline with TalosUnreachable', async () => {
    const port = await freePort('127.10.0.23');
    const client = createTalosClient({ endpoint: `127.10.0.23:${port}`, ...lab.admin });
    const started = Date.now();
    const attempts: number[] = [];
    try {
      const error = await failure(
        client.waitForApi(Date.now() + 1_500, { onRetry: (attempt) => attempts.push(attempt) }),
      );
      expect(error.code).toBe(TalosErrorCodes.Unreachable);
      expect(error.retryable).toBe(true);
      expect(attempts.length).toBeGreaterThan(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
      expect(Date.now() - started).toBeLessThan(4_000);
    } finally {
      client.close();
    }
  });

  it('waitForApi returns once a node that is still booting starts serving', async () => {
    const ip = '127.10.0.24';
    const booting = await startLabTalosNode(ip, { apiPort: await freePort(ip), faults: { apiStartDelayMs: 800 } });
    const client = createTalosClient({ endpoint: booting.node.apiEndpoint, ...booting.admin });
    const retries: string[] = [];
    try {
      const version = await client.waitForApi(Date.now() + 10_000, { onRetry: (_n, err) => retries.push(err.code) });
      expect(version.tag).toBe('v1.11.0');
      expect(retries.length).toBeGreaterThan(0);
      expect(new Set(retries)).toEqual(new Set([TalosErrorCodes.Unreachable]));
    } finally {
      client.close();
      await booting.node.close();
    }
  });
});
