/**
 * A small HTTPS Redfish service with the habits of real BMCs that sushy-tools does not have:
 * sessions only (no Basic), an ETag that a PATCH must echo in If-Match (HPE iLO), 409 for "On" when
 * on (iDRAC), a reset type list without ForceRestart, a refused BootSourceOverrideMode, a 503 now
 * and then, and several systems behind one manager. Power changes apply after a delay.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { createCa, ExtKeyUsage, issueLeaf, loadSigningCa } from '../../../lab/talos-node/pki.js';

export interface QuirkServerOptions {
  username: string;
  password: string;
  systems?: string[];
  /** Refuse PATCHes that carry BootSourceOverrideMode with 400. */
  refuseBootMode?: boolean;
  powerDelayMs?: number;
}

interface SystemState {
  power: 'On' | 'Off';
  etag: number;
  boot: { target: string; enabled: string; mode: string };
}

export interface QuirkServer {
  port: number;
  caPem: string;
  fingerprint: string;
  /** Every request as `METHOD path`, in order. */
  log: string[];
  state(system: string): SystemState;
  /** Forgets every session token (as a BMC reboot does). */
  expireSessions(): void;
  /** The next `n` authenticated requests answer 503. */
  failNext(n: number): void;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(text);
}

const redfishError = (message: string) => ({
  error: {
    code: 'Base.1.0.GeneralError',
    message,
    '@Message.ExtendedInfo': [{ MessageId: 'Base.1.8.GeneralError', Message: message }],
  },
});

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function startQuirkServer(options: QuirkServerOptions): Promise<QuirkServer> {
  const ca = await createCa('CN=quirk-bmc-ca', 'ecdsa');
  const leaf = await issueLeaf(await loadSigningCa(ca.certPem, ca.keyPem), {
    subject: 'CN=bmc',
    sans: ['127.0.0.1'],
    extKeyUsages: [ExtKeyUsage.ServerAuth],
  });
  const names = options.systems ?? ['System.Embedded.1'];
  const systems = new Map<string, SystemState>(
    names.map((n) => [n, { power: 'Off', etag: 1, boot: { target: 'None', enabled: 'Disabled', mode: 'UEFI' } }]),
  );
  const tokens = new Set<string>();
  const log: string[] = [];
  let failing = 0;
  let nextToken = 1;

  const systemJson = (id: string, s: SystemState) => ({
    '@odata.id': `/redfish/v1/Systems/${id}`,
    '@odata.etag': `W/"${s.etag}"`,
    Id: id,
    Manufacturer: 'Quirk Computers',
    Model: 'QC-9000',
    SerialNumber: `SN-${id}`,
    PowerState: s.power,
    Boot: {
      BootSourceOverrideTarget: s.boot.target,
      BootSourceOverrideEnabled: s.boot.enabled,
      BootSourceOverrideMode: s.boot.mode,
    },
    Actions: {
      '#ComputerSystem.Reset': {
        target: `/redfish/v1/Systems/${id}/Actions/ComputerSystem.Reset`,
        'ResetType@Redfish.AllowableValues': ['On', 'ForceOff', 'GracefulShutdown', 'PowerCycle'],
      },
    },
    Links: { ManagedBy: [{ '@odata.id': '/redfish/v1/Managers/BMC' }] },
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').replace(/\/$/, '');
    log.push(`${req.method} ${path}`);
    if (req.method === 'GET' && path === '/redfish/v1') {
      return send(res, 200, {
        RedfishVersion: '1.11.0',
        Systems: { '@odata.id': '/redfish/v1/Systems' },
        Links: { Sessions: { '@odata.id': '/redfish/v1/SessionService/Sessions' } },
      });
    }
    if (req.method === 'POST' && path === '/redfish/v1/SessionService/Sessions') {
      const body = await readJson(req);
      if (body.UserName !== options.username || body.Password !== options.password) {
        return send(res, 401, redfishError('Invalid credentials'));
      }
      const token = `token-${nextToken++}`;
      tokens.add(token);
      return send(res, 201, {}, { 'X-Auth-Token': token, Location: `/redfish/v1/SessionService/Sessions/${token}` });
    }
    const token = req.headers['x-auth-token'];
    if (typeof token !== 'string' || !tokens.has(token)) return send(res, 401, redfishError('No valid session'));
    if (failing > 0) {
      failing -= 1;
      return send(res, 503, redfishError('Service temporarily unavailable'));
    }
    if (req.method === 'DELETE' && path.startsWith('/redfish/v1/SessionService/Sessions/')) {
      tokens.delete(path.split('/').pop() as string);
      return send(res, 204);
    }
    if (req.method === 'GET' && path === '/redfish/v1/Systems') {
      return send(res, 200, { Members: names.map((n) => ({ '@odata.id': `/redfish/v1/Systems/${n}` })) });
    }
    if (req.method === 'GET' && path === '/redfish/v1/Managers/BMC') {
      return send(res, 200, { Id: 'BMC', FirmwareVersion: '2.71', Model: 'QuirkBMC' });
    }
    const match = /^\/redfish\/v1\/Systems\/([^/]+)(\/Actions\/ComputerSystem\.Reset)?$/.exec(path);
    const state = match ? systems.get(match[1] as string) : undefined;
    if (!match || !state) return send(res, 404, redfishError('Resource not found'));
    const id = match[1] as string;
    if (req.method === 'GET' && !match[2]) return send(res, 200, systemJson(id, state));
    if (req.method === 'PATCH' && !match[2]) {
      if (req.headers['if-match'] !== `W/"${state.etag}"`) return send(res, 428, redfishError('If-Match required'));
      const boot = ((await readJson(req)).Boot ?? {}) as Record<string, string>;
      if (options.refuseBootMode && boot.BootSourceOverrideMode !== undefined) {
        return send(res, 400, redfishError('The property BootSourceOverrideMode is a read only property'));
      }
      state.boot = {
        target: boot.BootSourceOverrideTarget ?? state.boot.target,
        enabled: boot.BootSourceOverrideEnabled ?? state.boot.enabled,
        mode: boot.BootSourceOverrideMode ?? state.boot.mode,
      };
      state.etag += 1;
      return send(res, 204);
    }
    if (req.method === 'POST' && match[2]) {
      const { ResetType } = (await readJson(req)) as { ResetType?: string };
      const target =
        ResetType === 'On' || ResetType === 'PowerCycle' ? 'On' : ResetType === 'ForceOff' ? 'Off' : undefined;
      if (target === undefined) return send(res, 400, redfishError(`ResetType ${String(ResetType)} not supported`));
      if (ResetType === 'On' && state.power === 'On')
        return send(res, 409, redfishError('Server is already powered ON'));
      if (ResetType === 'PowerCycle') state.power = 'Off';
      setTimeout(() => {
        state.power = target;
        state.etag += 1;
      }, options.powerDelayMs ?? 300);
      return send(res, 204);
    }
    return send(res, 405, redfishError('Method not allowed'));
  };

  const server: Server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, redfishError(String(err))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    caPem: ca.certPem,
    fingerprint: new X509Certificate(leaf.certPem).fingerprint256,
    log,
    state: (system) => systems.get(system) as SystemState,
    expireSessions: () => tokens.clear(),
    failNext: (n) => {
      failing = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
