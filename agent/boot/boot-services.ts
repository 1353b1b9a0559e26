/**
 * Starts the agent's boot services together: the HTTP boot server always, TFTP and proxyDHCP
 * unless the site has its own PXE infrastructure (then its DHCP/TFTP must chain iPXE to our
 * `/ipxe`). The agent's config embeds `bootServicesConfigSchema`.
 */
import { z } from 'zod';
import type { Logger } from '../../shared/logger.js';
import { isIPv4 } from './boot-validation.js';
import { startBootServer, type BootServerDeps, type RunningBootServer } from './http-boot-server.js';
import { startProxyDhcp, type RunningProxyDhcp } from './proxy-dhcp.js';
import { startTftpServer, type RunningTftpServer } from './tftp-server.js';

const port = z.number().int().min(0).max(65535);
const ipv4 = z.string().refine(isIPv4, 'must be an IPv4 address');

/** Boot-services section of the agent config. */
export const bootServicesConfigSchema = z
  .object({
    /** This agent's address on the provisioning network (DHCP server id, next-server, script URLs). */
    serverIp: ipv4.optional(),
    http: z
      .object({ host: z.string().default('0.0.0.0'), port: port.default(8080), publicUrl: z.url().optional() })
      .prefault({}),
    tftp: z
      .object({
        enabled: z.boolean().default(true),
        host: z.string().default('0.0.0.0'),
        port: port.default(69),
        root: z.string(),
      })
      .optional(),
    proxyDhcp: z
      .object({
        enabled: z.boolean().default(true),
        host: z.string().default('0.0.0.0'),
        ports: z.array(port).min(1).default([67, 4011]),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.proxyDhcp.enabled && c.serverIp === undefined) {
      ctx.addIssue({ code: 'custom', path: ['serverIp'], message: 'required when proxyDhcp is enabled' });
    }
    if (c.proxyDhcp.enabled && !c.tftp?.enabled) {
      ctx.addIssue({ code: 'custom', path: ['tftp'], message: 'proxyDHCP hands out TFTP boot files: enable tftp too' });
    }
  });

export type BootServicesConfig = z.infer<typeof bootServicesConfigSchema>;

/** The running boot services; `tftp` and `proxyDhcp` are absent/empty when disabled. */
export interface RunningBootServices {
  readonly http: RunningBootServer;
  readonly tftp?: RunningTftpServer;
  readonly proxyDhcp: readonly RunningProxyDhcp[];
  close(): Promise<void>;
}

/** Starts what the config enables; if one service fails to start, stops the others and rethrows. */
export async function startBootServices(
  config: BootServicesConfig,
  deps: Omit<BootServerDeps, 'publicUrl' | 'logger'> & { logger: Logger },
): Promise<RunningBootServices> {
  const started: { close(): Promise<void> }[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.allSettled(started.reverse().map((s) => s.close()));
  };
  try {
    const publicUrl =
      config.http.publicUrl ??
      (config.serverIp && config.http.port !== 0 ? `http://${config.serverIp}:${config.http.port}` : undefined);
    const http = await startBootServer({
      ...deps,
      host: config.http.host,
      port: config.http.port,
      publicUrl,
      logger: deps.logger.child({ service: 'boot-http' }),
    });
    started.push(http);
    let tftp: RunningTftpServer | undefined;
    if (config.tftp?.enabled) {
      const { root, host, port: tftpPort } = config.tftp;
      tftp = await startTftpServer({ root, host, port: tftpPort, logger: deps.logger.child({ service: 'tftp' }) });
      started.push(tftp);
    }
    const proxyDhcp: RunningProxyDhcp[] = [];
    if (config.proxyDhcp.enabled && config.serverIp !== undefined) {
      for (const p of config.proxyDhcp.ports) {
        const proxy = await startProxyDhcp({
          host: config.proxyDhcp.host,
          port: p,
          serverIp: config.serverIp,
          httpChainUrl: `${publicUrl ?? http.url}/ipxe`,
          logger: deps.logger.child({ service: 'proxy-dhcp' }),
        });
        started.push(proxy);
        proxyDhcp.push(proxy);
      }
    }
    deps.logger.info(
      { http: http.url, tftp: tftp?.port ?? 'disabled', proxyDhcp: proxyDhcp.map((p) => p.port) },
      'boot services started',
    );
    return { http, tftp, proxyDhcp, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
