import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedfishBmcDriver, type RedfishDriverOptions } from '../../../agent/bmc/redfish/redfish-driver.js';
import { probeRedfish } from '../../../agent/bmc/create-bmc-driver.js';
import { createCa, ExtKeyUsage, issueLeaf, loadSigningCa } from '../../../lab/talos-node/pki.js';
import { findSushyEmulator } from '../../../tools/setup/python-tools.js';

/**
 * The Redfish driver against a Redfish server nobody here wrote: sushy-tools' emulator (fake
 * driver) over HTTPS with bcrypt Basic auth, installed by `npm run setup`. Its power changes apply
 * 1–11 s after a Reset, like a real BMC's: the driver must wait for them.
 */

const sushy = findSushyEmulator();
const SYSTEM = '5d3c5a1e-2b8f-4c1d-9e0a-7f6b5c4d3e21';
const MACS = ['b4:96:91:10:00:00', 'b4:96:91:10:00:01'];
const FAST: RedfishDriverOptions = {
  retry: { totalMs: 1_500, initialDelayMs: 200, maxDelayMs: 400, multiplier: 2 },
  powerPoll: { timeoutMs: 20_000, intervalMs: 250 },
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.skipIf(!sushy)('Redfish driver against sushy-tools (run `npm run setup` to install it)', () => {
  let dir: string;
  let child: ChildProcess;
  let port: number;
  let fingerprint: string;
  let media: Server;
  let mediaUrl: string;
  const drivers: RedfishBmcDriver[] = [];
  const driver = (password = 'lab-Pa55word', options: RedfishDriverOptions = FAST) => {
    const d = new RedfishBmcDriver(
      { host: '127.0.0.1', port, username: 'admin', password, tls: { fingerprintSha256: fingerprint } },
      options,
    );
    drivers.push(d);
    return d;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rackpilot-sushy-'));
    const ca = await createCa('CN=sushy-test-ca', 'ecdsa');
    const leaf = await issueLeaf(await loadSigningCa(ca.certPem, ca.keyPem), {
      subject: 'CN=bmc',
      sans: ['127.0.0.1'],
      extKeyUsages: [ExtKeyUsage.ServerAuth],
    });
    fingerprint = new X509Certificate(leaf.certPem).fingerprint256;
    await writeFile(join(dir, 'cert.pem'), leaf.certPem);
    await writeFile(join(dir, 'key.pem'), leaf.keyPem);
    const python = join(dirname(sushy as string), 'python3');
    const hash = spawnSync(
      python,
      ['-c', 'import bcrypt,sys;print(bcrypt.hashpw(sys.argv[1].encode(),bcrypt.gensalt(4)).decode())', 'lab-Pa55word'],
      { encoding: 'utf8' },
    );
    await writeFile(join(dir, 'htpasswd'), `admin:${hash.stdout.trim()}\n`);
    port = await freePort();
    await writeFile(
      join(dir, 'sushy.conf'),
      [
        `SUSHY_EMULATOR_LISTEN_IP = '127.0.0.1'`,
        `SUSHY_EMULATOR_LISTEN_PORT = ${port}`,
        `SUSHY_EMULATOR_SSL_CERT = '${join(dir, 'cert.pem')}'`,
        `SUSHY_EMULATOR_SSL_KEY = '${join(dir, 'key.pem')}'`,
        `SUSHY_EMULATOR_AUTH_FILE = '${join(dir, 'htpasswd')}'`,
        `SUSHY_EMULATOR_STATE_DIR = '${join(dir, 'state')}'`,
        'SUSHY_EMULATOR_FAKE_DRIVER = True',
        `SUSHY_EMULATOR_FAKE_SYSTEMS = [{'uuid': '${SYSTEM}', 'name': 'lab-01', 'power_state': 'Off', 'nics': [${MACS.map((m) => `{'mac': '${m}'}`).join(', ')}]}]`,
      ].join('\n'),
    );
    child = spawn(sushy as string, ['--config', join(dir, 'sushy.conf')], { stdio: 'ignore' });
    const deadline = Date.now() + 20_000;
    while (!(await probeRedfish('127.0.0.1', port, 1_000))) {
      if (Date.now() > deadline) throw new Error('sushy-emulator did not answer within 20 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    // The ISO the BMC downloads for virtual media, served on loopback.
    media = createServer((_req, res) => res.end(Buffer.alloc(64 * 1024, 0x41)));
    await new Promise<void>((resolve) => media.listen(0, '127.0.0.1', resolve));
    mediaUrl = `http://127.0.0.1:${(media.address() as { port: number }).port}/utility.iso`;
  }, 30_000);

  afterAll(async () => {
    await Promise.all(drivers.map((d) => d.close()));
    child?.kill('SIGTERM');
    await new Promise<void>((resolve) => (media ? media.close(() => resolve()) : resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('sets a one-time PXE boot in UEFI mode and reads it back', async () => {
    const bmc = driver();
    await bmc.checkCredentials();
    await bmc.setBootDevice('pxe', { once: true, efi: true });
    expect(await bmc.bootFlags()).toMatchObject({ valid: true, device: 'pxe', efi: true });
    await bmc.setBootDevice('disk', { once: false, efi: false });
    expect(await bmc.bootFlags()).toMatchObject({ valid: true, device: 'disk', efi: false, persistent: true });
  });

  it('powers on, cycles and off, waiting each time until the late change has applied', async () => {
    const bmc = driver();
    await bmc.powerOn();
    expect(await bmc.powerState()).toBe('on');
    await bmc.powerCycle();
    expect(await bmc.powerState()).toBe('on');
    await bmc.powerOff();
    expect(await bmc.powerState()).toBe('off');
    // Still off a moment later: no pending change of the cycle came back to power it on.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await bmc.powerState()).toBe('off');
  }, 60_000);

  it('reports the hardware the BMC knows: system UUID, BMC firmware, MACs', async () => {
    const hardware = await driver().hardware();
    expect(hardware).toMatchObject({ protocol: 'redfish', manufacturer: 'Sushy Emulator', uuid: SYSTEM, macs: MACS });
    expect(hardware.bmcFirmware).not.toBeNull();
  });

  it('inserts an ISO into the virtual CD (the BMC fetches it), boots once from it, and ejects it', async () => {
    const bmc = driver();
    await bmc.insertVirtualMedia(mediaUrl);
    await bmc.insertVirtualMedia(mediaUrl); // a second insert ejects the first
    await bmc.bootOnceFromVirtualMedia({ efi: true });
    expect(await bmc.bootFlags()).toMatchObject({ device: 'other', deviceDescription: expect.stringContaining('Cd') });
    await bmc.ejectVirtualMedia();
    await bmc.ejectVirtualMedia();
  });

  it('a wrong password is BmcAuthFailed at once, never retried', async () => {
    await expect(driver('wrong-password').checkCredentials()).rejects.toMatchObject({
      type: 'BmcAuthFailed',
      details: { attempts: 1, output: expect.stringContaining('Incorrect username or password') },
    });
  });

  it('an unreachable BMC is retried, then a clear BmcUnreachable with the attempts made', async () => {
    const dead = new RedfishBmcDriver(
      { host: '127.0.0.1', port: await freePort(), username: 'admin', password: 'x', tls: { insecure: true } },
      FAST,
    );
    drivers.push(dead);
    const failure = (await dead.powerState().catch((e: unknown) => e)) as {
      type: string;
      details: { attempts: number };
    };
    expect(failure.type).toBe('BmcUnreachable');
    expect(failure.details.attempts).toBeGreaterThan(1);
  });
});
