/**
 * The proxyDHCP listener: receives DHCP requests on one UDP port (67 for DISCOVERs, 4011 for the
 * PXE boot-server REQUEST) and answers PXE clients with the decision of `proxy-dhcp-policy.ts`.
 * Replies go to the relay (giaddr), else to the sender when it already has an address, else by
 * broadcast to port 68 (RFC 2131 §4.1) on the provisioning interface (`broadcast-address.ts`).
 * Tests bind it to 127.0.0.1 and a high port, so every reply is unicast on loopback.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { ValidationError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { isIPv4 } from './boot-validation.js';
import { interfaceBroadcastFor } from './broadcast-address.js';
import { decodeDhcpPacket, encodeDhcpPacket } from './dhcp-packet.js';
import { decideProxyReply, type ProxyDhcpSettings, type PxeClient } from './proxy-dhcp-policy.js';

export interface ProxyDhcpOptions extends ProxyDhcpSettings {
  /** Address to bind: `0.0.0.0` in production (broadcasts only reach a wildcard bind), loopback in tests. */
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  /** Called after each reply is sent (metrics, tests). */
  readonly onReply?: (client: PxeClient, bootFile: string, to: { address: string; port: number }) => void;
}

export interface RunningProxyDhcp {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts a proxyDHCP listener. Thrown when the settings are invalid: `ValidationError`. */
export async function startProxyDhcp(options: ProxyDhcpOptions): Promise<RunningProxyDhcp> {
  const { logger } = options;
  for (const [name, value] of [
    ['serverIp', options.serverIp],
    ['tftpServerIp', options.tftpServerIp ?? options.serverIp],
  ] as const) {
    if (!isIPv4(value)) throw new ValidationError(`proxyDHCP ${name} must be an IPv4 address`, { [name]: value });
  }
  const local = interfaceBroadcastFor(options.serverIp);
  const broadcast = local?.broadcast ?? '255.255.255.255';
  if (!local)
    logger.warn(
      { serverIp: options.serverIp },
      'proxyDHCP: no local interface holds serverIp; replies to clients without an address go to 255.255.255.255, which leaves by the default route',
    );
  const socket = createSocket({ type: 'udp4', reuseAddr: true });

  socket.on('message', (msg, rinfo) => {
    let decision;
    try {
      decision = decideProxyReply(decodeDhcpPacket(msg), options);
    } catch (err) {
      logger.debug({ err, from: rinfo.address }, 'proxyDHCP ignored a malformed packet');
      return;
    }
    if (!decision.answer) {
      if (decision.client)
        logger.info({ mac: decision.client.mac, reason: decision.reason }, 'proxyDHCP did not answer');
      return;
    }
    const { reply, client, bootFile } = decision;
    const to =
      reply.giaddr !== '0.0.0.0'
        ? { address: reply.giaddr, port: 67 }
        : rinfo.address !== '0.0.0.0'
          ? { address: rinfo.address, port: rinfo.port }
          : { address: broadcast, port: 68 };
    socket.send(encodeDhcpPacket(reply), to.port, to.address, (err) => {
      if (err) {
        logger.error({ err, mac: client.mac }, 'proxyDHCP reply failed');
        return;
      }
      logger.info({ mac: client.mac, arch: client.arch, ipxe: client.isIpxe, bootFile, to }, 'proxyDHCP answered');
      options.onReply?.(client, bootFile, to);
    });
  });

  socket.bind(options.port, options.host);
  await once(socket, 'listening');
  socket.setBroadcast(true);
  const port = socket.address().port;
  logger.info({ host: options.host, port, interface: local?.interface, broadcast }, 'proxyDHCP listening');
  return {
    port,
    close: async () => {
      const closed = once(socket, 'close');
      socket.close();
      await closed;
    },
  };
}
