import { afterEach, describe, expect, it } from 'vitest';
import { RedfishBmcDriver } from '../../../agent/bmc/redfish/redfish-driver.js';
import type { RetryPolicy } from '../../../agent/bmc/retry.js';
import { startQuirkServer, type QuirkServer } from './redfish-quirk-server.js';

const FAST_RETRY: RetryPolicy = { totalMs: 2_000, initialDelayMs: 100, maxDelayMs: 200, multiplier: 1.5 };
const FAST = { retry: FAST_RETRY, powerPoll: { timeoutMs: 5_000, intervalMs: 100 } };

describe('Redfish driver against the habits of real BMCs', () => {
  let server: QuirkServer | undefined;
  const drivers: RedfishBmcDriver[] = [];
  afterEach(async () => {
    await Promise.all(drivers.splice(0).map((d) => d.close()));
    await server?.close();
    server = undefined;
  });

  async function driverFor(
    options: Parameters<typeof startQuirkServer>[0],
    extra: { systemId?: string; tls?: 'ca' | 'pin' } = {},
  ): Promise<RedfishBmcDriver> {
    server = await startQuirkServer(options);
    const tls = extra.tls === 'pin' ? { fingerprintSha256: server.fingerprint } : { caPem: server.caPem };
    const driver = new RedfishBmcDriver(
      { host: '127.0.0.1', port: server.port, username: 'root', password: 'calvin', tls, systemId: extra.systemId },
      FAST,
    );
    drivers.push(driver);
    return driver;
  }

  it('logs in with a Redfish session, trusts the operator CA, and deletes the session on close', async () => {
    const bmc = await driverFor({ username: 'root', password: 'calvin' });
    await bmc.checkCredentials();
    expect(await bmc.powerState()).toBe('off');
    await bmc.close();
    expect(server?.log).toContain('POST /redfish/v1/SessionService/Sessions');
    expect(server?.log.filter((l) => l.startsWith('POST /redfish/v1/SessionService'))).toHaveLength(1);
    expect(server?.log.at(-1)).toMatch(/^DELETE \/redfish\/v1\/SessionService\/Sessions\/token-1$/);
  });

  it('logs in again once when the BMC forgot the session', async () => {
    const bmc = await driverFor({ username: 'root', password: 'calvin' }, { tls: 'pin' });
    await bmc.checkCredentials();
    server?.expireSessions();
    expect(await bmc.powerState()).toBe('off');
    expect(server?.log.filter((l) => l.startsWith('POST /redfish/v1/SessionService'))).toHaveLength(2);
  });

  it('refuses wrong credentials with BmcAuthFailed, without retrying', async () => {
    server = await startQuirkServer({ username: 'root', password: 'calvin' });
    const bmc = new RedfishBmcDriver(
      { host: '127.0.0.1', port: server.port, username: 'root', password: 'wrong-pass', tls: { caPem: server.caPem } },
      FAST,
    );
    drivers.push(bmc);
    const failure = await bmc.checkCredentials().catch((e: unknown) => e);
    expect(failure).toMatchObject({ type: 'BmcAuthFailed', code: 'BMC_AUTH_FAILED', details: { attempts: 1 } });
    expect(JSON.stringify(failure)).not.toContain('wrong-pass');
  });

  it('echoes the ETag in If-Match and falls back when the BMC refuses the boot mode', async () => {
    const bmc = await driverFor({ username: 'root', password: 'calvin', refuseBootMode: true });
    await bmc.setBootDevice('pxe', { once: true, efi: true });
    expect(server?.state('System.Embedded.1').boot).toMatchObject({ target: 'Pxe', enabled: 'Once' });
    expect(await bmc.bootFlags()).toMatchObject({ valid: true, persistent: false, device: 'pxe' });
    expect(server?.log.filter((l) => l.startsWith('PATCH'))).toHaveLength(2);
  });

  it('waits for power to apply, is idempotent where the BMC answers 409, and cycles with the reset type it offers', async () => {
    const bmc = await driverFor({ username: 'root', password: 'calvin', powerDelayMs: 400 });
    await bmc.powerOn();
    expect(server?.state('System.Embedded.1').power).toBe('On');
    await bmc.powerOn(); // iDRAC answers 409 to "On" when on: the driver never sends it
    expect(server?.log.filter((l) => l.includes('Reset'))).toHaveLength(1);
    await bmc.powerCycle(); // no ForceRestart offered: PowerCycle, and back on before it returns
    expect(server?.state('System.Embedded.1').power).toBe('On');
    await bmc.powerOff();
    expect(server?.state('System.Embedded.1').power).toBe('Off');
  });

  it('retries a 503 and succeeds', async () => {
    const bmc = await driverFor({ username: 'root', password: 'calvin' });
    await bmc.checkCredentials();
    server?.failNext(2);
    expect(await bmc.powerState()).toBe('off');
  });

  it('needs a system id when one BMC manages several systems, and says which exist', async () => {
    const names = ['Blade1', 'Blade2'];
    const unset = await driverFor({ username: 'root', password: 'calvin', systems: names });
    await expect(unset.powerState()).rejects.toThrow(/manages 2 systems .*Blade1.*Blade2.*systemId/);
    await unset.close();
    await server?.close();
    const chosen = await driverFor({ username: 'root', password: 'calvin', systems: names }, { systemId: 'Blade2' });
    await chosen.powerOn();
    expect(server?.state('Blade2').power).toBe('On');
    expect(server?.state('Blade1').power).toBe('Off');
  });

  it('rejects a certificate that is not the pinned one before sending the credentials', async () => {
    server = await startQuirkServer({ username: 'root', password: 'calvin' });
    const wrongPin = server.fingerprint.replace(/^../, server.fingerprint.startsWith('00') ? '11' : '00');
    const bmc = new RedfishBmcDriver(
      {
        host: '127.0.0.1',
        port: server.port,
        username: 'root',
        password: 'calvin',
        tls: { fingerprintSha256: wrongPin },
      },
      FAST,
    );
    drivers.push(bmc);
    await expect(bmc.checkCredentials()).rejects.toMatchObject({ type: 'BmcCertificateRejected' });
    expect(server.log).toEqual([]);
  });
});
