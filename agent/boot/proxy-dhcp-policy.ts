/**
 * What the proxyDHCP answers (pure). It answers PXE clients only, with boot options only: no
 * `yiaddr`, no lease, so it coexists with the site's DHCP server (PXE 2.1 §2.2.3 "proxyDHCP").
 * Boot file by client architecture (RFC 4578 option 93); a client that already runs iPXE (user
 * class `iPXE`) gets the HTTP chain URL instead of a TFTP file.
 */
import { DhcpMessageType, DhcpOption, clientMac, type DhcpPacket } from './dhcp-packet.js';

/** Boot settings of the proxy. */
export interface ProxyDhcpSettings {
  /** This server's address on the provisioning network (server identifier, option 54). */
  readonly serverIp: string;
  /** TFTP server handed out as next-server (default: `serverIp`). */
  readonly tftpServerIp?: string;
  /** URL iPXE loads next (the boot server's `/ipxe`, which chains to the per-MAC script). */
  readonly httpChainUrl: string;
  readonly biosBootFile?: string;
  readonly efiBootFile?: string;
}

/** What a PXE request says about its client. */
export interface PxeClient {
  readonly mac: string;
  readonly messageType: number;
  /** RFC 4578 architecture: 0 BIOS, 6 EFI IA32, 7 EFI BC, 9 EFI x86-64, ... `null` when unknown. */
  readonly arch: number | null;
  readonly isIpxe: boolean;
}

/** The decision for one request. */
export type ProxyDecision =
  | { readonly answer: true; readonly client: PxeClient; readonly bootFile: string; readonly reply: DhcpPacket }
  | { readonly answer: false; readonly reason: string; readonly client?: PxeClient };

/** Returns what a request says about a PXE client, or `null` when it is not a PXE client's request. */
export function inspectPxeRequest(req: DhcpPacket): PxeClient | null {
  const vendorClass = req.options.get(DhcpOption.VendorClass)?.toString('latin1') ?? '';
  const mac = clientMac(req);
  const messageType = req.options.get(DhcpOption.MessageType)?.[0];
  if (req.op !== 1 || !vendorClass.startsWith('PXEClient') || mac === null || messageType === undefined) return null;
  const archOption = req.options.get(DhcpOption.ClientArch);
  let arch: number | null = archOption && archOption.length >= 2 ? archOption.readUInt16BE(0) : null;
  if (arch === null) {
    const fromVendorClass = /^PXEClient:Arch:(\d{5})/.exec(vendorClass)?.[1];
    arch = fromVendorClass === undefined ? null : Number(fromVendorClass);
  }
  return { mac, messageType, arch, isIpxe: hasIpxeUserClass(req.options.get(DhcpOption.UserClass)) };
}

/** Decides the answer to one request; `answer: false` carries the reason for the logs. */
export function decideProxyReply(req: DhcpPacket, settings: ProxyDhcpSettings): ProxyDecision {
  const client = inspectPxeRequest(req);
  if (client === null) return { answer: false, reason: 'not a PXE client request' };
  const replyType =
    client.messageType === DhcpMessageType.Discover
      ? DhcpMessageType.Offer
      : client.messageType === DhcpMessageType.Request
        ? DhcpMessageType.Ack
        : null;
  if (replyType === null)
    return { answer: false, reason: `message type ${client.messageType} needs no answer`, client };
  const serverId = req.options.get(DhcpOption.ServerId);
  if (replyType === DhcpMessageType.Ack && serverId !== undefined && ip(serverId) !== settings.serverIp) {
    return { answer: false, reason: 'request addressed to another DHCP server', client };
  }
  const bootFile = bootFileFor(client, settings);
  if (bootFile === null) return { answer: false, reason: `no boot file for architecture ${client.arch}`, client };
  return { answer: true, client, bootFile, reply: buildReply(req, replyType, bootFile, settings) };
}

/** Returns the boot file for a client: the chain URL for iPXE, else the iPXE binary for its architecture. */
export function bootFileFor(client: PxeClient, settings: ProxyDhcpSettings): string | null {
  if (client.isIpxe) return settings.httpChainUrl;
  if (client.arch === 0) return settings.biosBootFile ?? 'undionly.kpxe';
  if (client.arch === 7 || client.arch === 9) return settings.efiBootFile ?? 'ipxe.efi';
  return null;
}

function buildReply(req: DhcpPacket, type: number, bootFile: string, s: ProxyDhcpSettings): DhcpPacket {
  const tftp = s.tftpServerIp ?? s.serverIp;
  const options = new Map<number, Buffer>([
    [DhcpOption.MessageType, Buffer.from([type])],
    [DhcpOption.ServerId, Buffer.from(s.serverIp.split('.').map(Number))],
    [DhcpOption.VendorClass, Buffer.from('PXEClient')],
    // PXE_DISCOVERY_CONTROL (sub-option 6) = 8: use the boot file given here, skip boot server discovery.
    [DhcpOption.VendorSpecific, Buffer.from([6, 1, 8, 255])],
    [DhcpOption.TftpServerName, Buffer.from(tftp)],
    [DhcpOption.BootFileName, Buffer.from(bootFile)],
  ]);
  const guid = req.options.get(DhcpOption.ClientGuid);
  if (guid !== undefined) options.set(DhcpOption.ClientGuid, guid);
  return {
    op: 2,
    htype: req.htype,
    hlen: req.hlen,
    hops: 0,
    xid: req.xid,
    secs: 0,
    flags: req.flags,
    ciaddr: type === DhcpMessageType.Ack ? req.ciaddr : '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: tftp,
    giaddr: req.giaddr,
    chaddr: req.chaddr,
    sname: '',
    file: Buffer.byteLength(bootFile) < 128 ? bootFile : '',
    options,
  };
}

/** iPXE sends its user class as the bare string `iPXE`; RFC 3004 clients send length-prefixed entries. */
function hasIpxeUserClass(value: Buffer | undefined): boolean {
  if (value === undefined) return false;
  if (value.toString('latin1') === 'iPXE') return true;
  for (let i = 0; i < value.length;) {
    const len = value[i] ?? 0;
    if (value.subarray(i + 1, i + 1 + len).toString('latin1') === 'iPXE') return true;
    i += 1 + len;
  }
  return false;
}

function ip(bytes: Buffer): string {
  return [...bytes.subarray(0, 4)].join('.');
}
