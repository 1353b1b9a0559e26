/**
 * The DHCP half of simulated PXE firmware: sends one DHCPDISCOVER (or PXE DHCPREQUEST) the way a
 * PXE ROM or iPXE does and reads the proxyDHCP's answer. Built from RFC 2131/4578 directly, not
 * with the agent's codec, so the two sides check each other. Talks to loopback only.
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';

export interface PxeDhcpRequest {
  readonly host: string;
  readonly port: number;
  readonly mac: string;
  /** RFC 4578 client architecture (0 BIOS, 7 EFI BC, 9 EFI x86-64). */
  readonly arch: number;
  /** Send the `iPXE` user class, as iPXE does once it runs. */
  readonly ipxe?: boolean;
  readonly messageType?: 'discover' | 'request';
  readonly timeoutMs?: number;
}

export interface PxeDhcpAnswer {
  readonly messageType: number;
  readonly yiaddr: string;
  /** next-server (siaddr). */
  readonly nextServer: string;
  readonly bootFile: string;
  readonly serverId: string | undefined;
  readonly vendorClass: string | undefined;
  readonly options: Map<number, Buffer>;
}

/** Sends one request and resolves with the first answer carrying the same xid. Thrown on timeout. */
export async function pxeDhcpExchange(req: PxeDhcpRequest): Promise<PxeDhcpAnswer> {
  const xid = randomBytes(4).readUInt32BE(0);
  const packet = buildRequest(req, xid);
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  try {
    const answer = new Promise<PxeDhcpAnswer>((resolve) => {
      socket.on('message', (msg) => {
        if (msg.length >= 240 && msg[0] === 2 && msg.readUInt32BE(4) === xid) resolve(parseAnswer(msg));
      });
    });
    socket.send(packet, req.port, req.host);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no proxyDHCP answer within ${req.timeoutMs ?? 2000} ms`)),
        req.timeoutMs ?? 2000,
      );
    });
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    socket.close();
  }
}

function buildRequest(req: PxeDhcpRequest, xid: number): Buffer {
  const mac = Buffer.from(req.mac.replace(/[:-]/g, ''), 'hex');
  if (mac.length !== 6) throw new Error(`bad MAC ${req.mac}`);
  const head = Buffer.alloc(240);
  head.set([1, 1, 6, 0], 0);
  head.writeUInt32BE(xid, 4);
  head.writeUInt16BE(0x8000, 10); // broadcast flag: the client has no address yet
  mac.copy(head, 28);
  head.writeUInt32BE(0x63825363, 236);
  const arch = Buffer.alloc(2);
  arch.writeUInt16BE(req.arch);
  const opt = (code: number, value: Buffer): Buffer => Buffer.concat([Buffer.from([code, value.length]), value]);
  const parts = [
    opt(53, Buffer.from([req.messageType === 'request' ? 3 : 1])),
    opt(93, arch),
    opt(94, Buffer.from([1, 3, 16])),
    opt(97, Buffer.concat([Buffer.from([0]), Buffer.alloc(10), mac])),
    opt(60, Buffer.from(`PXEClient:Arch:${String(req.arch).padStart(5, '0')}:UNDI:003016`)),
  ];
  if (req.ipxe) parts.push(opt(77, Buffer.from('iPXE')));
  const out = Buffer.concat([head, ...parts, Buffer.from([255])]);
  return out.length >= 300 ? out : Buffer.concat([out, Buffer.alloc(300 - out.length)]);
}

function parseAnswer(msg: Buffer): PxeDhcpAnswer {
  const options = new Map<number, Buffer>();
  for (let i = 240; i < msg.length;) {
    const code = msg[i] ?? 255;
    if (code === 0) {
      i++;
      continue;
    }
    if (code === 255) break;
    const len = msg[i + 1] ?? 0;
    options.set(code, msg.subarray(i + 2, i + 2 + len));
    i += 2 + len;
  }
  const ip = (off: number): string => [...msg.subarray(off, off + 4)].join('.');
  const fileField = msg.subarray(108, 236).toString('latin1').replace(/\0.*$/s, '');
  const serverId = options.get(54);
  return {
    messageType: options.get(53)?.[0] ?? 0,
    yiaddr: ip(16),
    nextServer: ip(20),
    bootFile: options.get(67)?.toString('latin1') ?? fileField,
    serverId: serverId ? [...serverId].join('.') : undefined,
    vendorClass: options.get(60)?.toString('latin1'),
    options,
  };
}
