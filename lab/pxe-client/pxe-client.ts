/**
 * A simulated machine's network boot: PXE firmware (proxyDHCP answer, TFTP download of the iPXE
 * binary) followed by iPXE (chain to the per-MAC script, kernel/initrd downloads, kernel args).
 * It follows the agent's real boot chain over real sockets and reports what the machine would
 * have booted. Every URL it is handed must point at loopback: the lab never leaves the host.
 */
import { createHash } from 'node:crypto';
import { pxeDhcpExchange } from './dhcp-client.js';
import { parseIpxeScript, type IpxeCommand } from './ipxe-script-parser.js';
import { kernelOutcome } from './kernel-outcome.js';
import { tftpGet } from './tftp-client.js';

export interface PxeBootOptions {
  readonly mac: string;
  /** The agent's boot HTTP server (`http://127.0.0.1:port`); iPXE starts at `<url>/ipxe`. */
  readonly bootServerUrl: string;
  /** Ask the proxyDHCP first, as firmware does (then TFTP the file it names, then ask again as iPXE). */
  readonly dhcp?: { readonly host: string; readonly port: number; readonly arch: number };
  /** Load the iPXE binary over TFTP first. `filename` defaults to the DHCP boot file, else `ipxe.efi`. */
  readonly tftp?: {
    readonly host: string;
    readonly port: number;
    readonly filename?: string;
    readonly blksize?: number;
  };
  /** Also fetch the Talos machine config from `talos.config=` (what a booting Talos does). */
  readonly fetchConfig?: boolean;
  readonly maxChains?: number;
  readonly fetch?: typeof globalThis.fetch;
}

/** What the machine booted. */
export interface PxeBootResult {
  readonly outcome: 'utility' | 'talos' | 'local-disk';
  readonly kernelArgs: readonly string[];
  readonly configUrl?: string;
  readonly machineConfig?: string;
  /** Every URL fetched over HTTP, in order, with size and SHA-256 of what came back. */
  readonly downloads: readonly { url: string; bytes: number; sha256: string }[];
  readonly firmware?: { readonly bootFile: string; readonly bytes: number; readonly sha256: string };
}

/** Thrown when the boot chain breaks; `stage` says where (an operator's "stuck at iPXE"). */
export class PxeBootError extends Error {
  constructor(
    readonly stage: 'dhcp' | 'tftp' | 'script' | 'download' | 'config',
    message: string,
  ) {
    super(`PXE boot failed at ${stage}: ${message}`);
    this.name = 'PxeBootError';
  }
}

/** Boots one simulated machine over the network and returns what it booted. */
export async function pxeBoot(opts: PxeBootOptions): Promise<PxeBootResult> {
  const fetchImpl = opts.fetch ?? globalThis.fetch;
  const mac = opts.mac.toLowerCase();
  const downloads: { url: string; bytes: number; sha256: string }[] = [];
  const download = async (url: string, stage: PxeBootError['stage']): Promise<Buffer> => {
    assertLoopback(url, stage);
    const res = await fetchImpl(url);
    if (res.status !== 200) throw new PxeBootError(stage, `GET ${url} answered ${res.status}`);
    const body = Buffer.from(await res.arrayBuffer());
    downloads.push({ url, bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
    return body;
  };

  let firmware: PxeBootResult['firmware'];
  let startUrl = `${opts.bootServerUrl.replace(/\/+$/, '')}/ipxe`;
  let bootFile = opts.tftp?.filename ?? 'ipxe.efi';
  if (opts.dhcp) {
    const offer = await pxeDhcpExchange({ ...opts.dhcp, mac }).catch((err: Error) => {
      throw new PxeBootError('dhcp', err.message);
    });
    if (offer.bootFile === '') throw new PxeBootError('dhcp', 'proxyDHCP offered no boot file');
    bootFile = opts.tftp?.filename ?? offer.bootFile;
  }
  if (opts.tftp) {
    const got = await tftpGet({ ...opts.tftp, filename: bootFile }).catch((err: Error) => {
      throw new PxeBootError('tftp', err.message);
    });
    firmware = { bootFile, bytes: got.data.length, sha256: createHash('sha256').update(got.data).digest('hex') };
  }
  if (opts.dhcp) {
    // Now "running iPXE": it asks again with its user class and gets the HTTP chain URL.
    const offer = await pxeDhcpExchange({ ...opts.dhcp, mac, ipxe: true }).catch((err: Error) => {
      throw new PxeBootError('dhcp', err.message);
    });
    if (!/^https?:\/\//.test(offer.bootFile))
      throw new PxeBootError('dhcp', `iPXE got a non-HTTP boot file "${offer.bootFile}"`);
    startUrl = offer.bootFile;
  }

  const settings = { 'net0/mac': mac, mac };
  let commands: IpxeCommand[] = parseScript((await download(startUrl, 'script')).toString('utf8'), settings);
  let kernel: { url: string; args: readonly string[] } | undefined;
  const initrds: string[] = [];
  for (let chains = 0; ;) {
    const command = commands.shift();
    if (command === undefined) throw new PxeBootError('script', 'script ended without boot or exit');
    if (command.cmd === 'chain') {
      if (++chains > (opts.maxChains ?? 4)) throw new PxeBootError('script', 'too many chains');
      commands = parseScript((await download(command.url, 'script')).toString('utf8'), settings);
      kernel = undefined;
      initrds.length = 0;
    } else if (command.cmd === 'kernel') kernel = { url: command.url, args: command.args };
    else if (command.cmd === 'initrd') initrds.push(command.url);
    else if (command.cmd === 'exit') return { outcome: 'local-disk', kernelArgs: [], downloads, firmware };
    else if (command.cmd === 'boot') break;
  }

  if (kernel === undefined) throw new PxeBootError('script', 'boot without a kernel');
  for (const url of [kernel.url, ...initrds]) {
    const body = await download(url, 'download');
    if (body.length === 0) throw new PxeBootError('download', `${url} is empty`);
  }
  const args = kernel.args;
  const read = kernelOutcome(args);
  if ('error' in read) throw new PxeBootError('script', read.error);
  const { outcome, configUrl } = read;
  const machineConfig =
    opts.fetchConfig && configUrl !== undefined ? (await download(configUrl, 'config')).toString('utf8') : undefined;
  return { outcome, kernelArgs: args, configUrl, machineConfig, downloads, firmware };
}

function parseScript(text: string, settings: Record<string, string>): IpxeCommand[] {
  try {
    return parseIpxeScript(text, settings);
  } catch (err) {
    throw new PxeBootError('script', (err as Error).message);
  }
}

/** Refuses any URL whose host is not a loopback address (the lab's one network rule). */
export function assertLoopback(url: string, stage: PxeBootError['stage']): void {
  const host = new URL(url).hostname;
  if (!(/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === 'localhost' || host === '[::1]')) {
    throw new PxeBootError(stage, `refusing non-loopback URL ${url}`);
  }
}
