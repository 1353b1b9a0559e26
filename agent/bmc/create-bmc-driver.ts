/**
 * Builds the driver an asset's BMC needs from the credentials the API hands out: IPMI, Redfish, or
 * `detect` (Redfish's service root first, then IPMI), wrapped in the logging decorator. A detected
 * protocol is reported once the credentials have worked, so the asset records what its BMC speaks.
 */
import type { AgentBmcCredentials } from '../../shared/agent-protocol.js';
import { DEFAULT_BMC_PORT, type BmcProtocol } from '../../shared/bmc-endpoint.js';
import type { Logger } from '../../shared/logger.js';
import type { BmcDriver } from './bmc-driver.js';
import { IpmitoolBmcDriver, type IpmitoolDriverOptions } from './ipmitool-driver.js';
import { LoggingBmcDriver } from './logging-bmc-driver.js';
import { RedfishBmcDriver, type RedfishDriverOptions } from './redfish/redfish-driver.js';
import { RmcpBmcDriver } from './rmcp/rmcp-bmc-driver.js';
import { createRedfishAgent, sendRedfishRequest } from './redfish/redfish-transport.js';

/** What {@link createBmcDriver} needs besides the credentials. */
export interface BmcDriverDeps {
  logger: Logger;
  /** What speaks IPMI: the ipmitool binary (default) or the agent's own RMCP+ client. */
  ipmiClient?: 'ipmitool' | 'native';
  /** Options of either IPMI client (power polling, retries of whole operations). */
  ipmitool?: IpmitoolDriverOptions;
  redfish?: RedfishDriverOptions;
  /** How long the Redfish probe of `detect` waits for the service root. Default 5 s. */
  detectTimeoutMs?: number;
  /** Port the probe of `detect` tries Redfish at. Default 443. */
  detectRedfishPort?: number;
  /** Records a detected protocol on the asset (the agent API). Failures are logged, not thrown. */
  reportProtocol?: (protocol: BmcProtocol, port: number) => Promise<void>;
}

/**
 * Whether a Redfish service answers at `host:port`. The service root needs no credentials and none
 * are sent, so the probe accepts any certificate; the driver then checks the certificate as the
 * operator configured before it sends the password.
 */
export async function probeRedfish(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const target = { host, port, tls: { insecure: true } };
  const agent = createRedfishAgent(target);
  try {
    const root = await sendRedfishRequest(agent, target, { method: 'GET', path: '/redfish/v1/', timeoutMs });
    const body = root.body as Record<string, unknown> | undefined;
    return root.status === 200 && body !== undefined && ('RedfishVersion' in body || 'Systems' in body);
  } catch {
    return false;
  } finally {
    agent.destroy();
  }
}

/** Returns the asset's BMC driver; for `detect`, after probing and a successful credential check. */
export async function createBmcDriver(creds: AgentBmcCredentials, deps: BmcDriverDeps): Promise<BmcDriver> {
  let protocol: BmcProtocol;
  let port = creds.port;
  if (creds.driver === 'detect') {
    const redfishPort = deps.detectRedfishPort ?? DEFAULT_BMC_PORT.redfish;
    const isRedfish = await probeRedfish(creds.address, redfishPort, deps.detectTimeoutMs ?? 5_000);
    protocol = isRedfish ? 'redfish' : 'ipmi';
    if (isRedfish) port = redfishPort;
  } else {
    protocol = creds.driver;
  }
  const inner: BmcDriver =
    protocol === 'redfish'
      ? new RedfishBmcDriver(
          {
            host: creds.address,
            port,
            username: creds.username,
            password: creds.password,
            tls: creds.redfish?.tls ?? {},
            systemId: creds.redfish?.systemId,
          },
          { logger: deps.logger, ...deps.redfish },
        )
      : deps.ipmiClient === 'native'
        ? new RmcpBmcDriver(ipmiEndpoint(creds, port), {
            logger: deps.logger,
            powerPoll: deps.ipmitool?.powerPoll,
            retry: deps.ipmitool?.retry,
          })
        : new IpmitoolBmcDriver(ipmiEndpoint(creds, port), { logger: deps.logger, ...deps.ipmitool });
  const driver = new LoggingBmcDriver(inner, deps.logger, { bmc: `${creds.address}:${port}`, protocol });
  if (creds.driver === 'detect') {
    try {
      await driver.checkCredentials();
    } catch (err) {
      await driver.close();
      throw err;
    }
    deps.logger.info({ bmc: `${creds.address}:${port}`, protocol }, 'BMC protocol detected');
    await deps
      .reportProtocol?.(protocol, port)
      .catch((err: unknown) =>
        deps.logger.warn({ err: (err as Error).message, protocol }, 'could not record the detected BMC protocol'),
      );
  }
  return driver;
}

function ipmiEndpoint(creds: AgentBmcCredentials, port: number) {
  return {
    host: creds.address,
    port,
    username: creds.username,
    password: creds.password,
    cipherSuite: creds.cipherSuite,
  };
}
