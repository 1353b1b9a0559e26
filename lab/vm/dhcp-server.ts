/**
 * The site's plain DHCP server of the VM lab: dnsmasq handing out addresses the way a
 * datacenter's DHCP server does, beside the agent's proxyDHCP. DHCP only: no DNS, no router, no
 * PXE options, no configuration or state of the host's own (/etc/dnsmasq.conf, /etc/hosts,
 * /etc/resolv.conf, /var/lib/misc) read or written.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startProcess, waitUntilReady } from '../../tools/devservices/managed-process.js';
import { parseDnsmasqLeases, type DhcpLease } from './dnsmasq-leases.js';

/** What {@link dnsmasqArgs} needs. */
export interface DnsmasqArgsOptions {
  /** The one interface dnsmasq serves (and binds to). */
  interface: string;
  range: { start: string; end: string };
  netmask: string;
  /** dnsmasq's lease time syntax (`1h`, `45m`). */
  leaseTime: string;
  leaseFile: string;
  /** dnsmasq writes its log here itself (a file it reopens on SIGUSR2), not through a pipe. */
  logFile: string;
}

/**
 * Returns dnsmasq's arguments for a DHCP-only server on one interface.
 *
 * `--keep-in-foreground`, not `--no-daemon`: the latter is dnsmasq's debug mode (no user change,
 * extra dumps); the former only stays in the foreground so we own the PID. dnsmasq drops to its
 * compiled-in user (`nobody` on Debian) after start-up; that suffices because it opens the lease
 * file as root first and rewrites it through that open descriptor, so no `--user=root` is needed.
 */
export function dnsmasqArgs(options: DnsmasqArgsOptions): string[] {
  const { start, end } = options.range;
  return [
    '--keep-in-foreground',
    // No configuration but ours: not /etc/dnsmasq.conf, not /etc/hosts, not /etc/resolv.conf.
    '--conf-file=/dev/null',
    '--no-resolv',
    '--no-hosts',
    // port 0 turns the DNS server off entirely.
    '--port=0',
    '--bind-interfaces',
    `--interface=${options.interface}`,
    `--dhcp-range=${start},${end},${options.netmask},${options.leaseTime}`,
    // Empty options 3 and 6: send no router and no DNS server (dnsmasq would offer itself for both).
    '--dhcp-option=3',
    '--dhcp-option=6',
    '--dhcp-authoritative',
    `--dhcp-leasefile=${options.leaseFile}`,
    // An empty pid file path writes none (the default is /run/dnsmasq.pid).
    '--pid-file=',
    '--log-dhcp',
    `--log-facility=${options.logFile}`,
  ];
}

/** Options of {@link startDhcpServer}. */
export interface DhcpServerOptions extends Omit<DnsmasqArgsOptions, 'leaseFile' | 'leaseTime' | 'logFile'> {
  /** Holds `dnsmasq.leases` and `dnsmasq.log`. */
  dir: string;
  /** Wraps an argv so it runs in the DHCP server's namespace. */
  nsExec: (argv: string[]) => string[];
  leaseTime?: string;
  /** Default `dnsmasq` (found on PATH inside the namespace). */
  dnsmasqPath?: string;
  readyTimeoutMs?: number;
}

/** A running dnsmasq. */
export interface DhcpServer {
  readonly pid: number;
  readonly leaseFile: string;
  /** dnsmasq's log (`--log-dhcp`: every DISCOVER/OFFER/REQUEST/ACK with its options). */
  readonly logFile: string;
  /** The exact argv it was started with. */
  readonly argv: readonly string[];
  /** The leases in its lease file now. */
  leases(): Promise<DhcpLease[]>;
  /** SIGTERM by PID, SIGKILL after `graceMs`; resolves once it has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts dnsmasq and resolves once it has bound its DHCP socket to the interface. */
export async function startDhcpServer(options: DhcpServerOptions): Promise<DhcpServer> {
  const leaseFile = join(options.dir, 'dnsmasq.leases');
  const logFile = join(options.dir, 'dnsmasq.log');
  // A new lab starts with no leases and a log whose ready line is this run's.
  await rm(leaseFile, { force: true });
  await writeFile(logFile, '');
  const args = dnsmasqArgs({ ...options, leaseTime: options.leaseTime ?? '1h', leaseFile, logFile });
  const [command, ...rest] = options.nsExec([options.dnsmasqPath ?? 'dnsmasq', ...args]);
  if (command === undefined) throw new Error('nsExec returned an empty argv');
  const proc = startProcess('dnsmasq', command, rest, {
    logFile: join(options.dir, 'dnsmasq.stderr'),
    env: { PATH: process.env.PATH ?? '', LANG: 'C' },
  });
  const readyLine = `sockets bound exclusively to interface ${options.interface}`;
  try {
    await waitUntilReady(
      proc,
      async () => {
        if (!(await readFile(logFile, 'utf8')).includes(readyLine)) throw new Error(`no "${readyLine}" yet`);
      },
      options.readyTimeoutMs ?? 10_000,
    );
  } catch (err) {
    await proc.stop(1_000);
    const log = await readFile(logFile, 'utf8').catch(() => '');
    throw new Error(`${(err as Error).message}\n${log.trim()}`, { cause: err });
  }
  return {
    pid: proc.pid,
    leaseFile,
    logFile,
    argv: [command, ...rest],
    leases: async () => parseDnsmasqLeases(await readLeaseFile(leaseFile)),
    stop: (graceMs = 3_000) => proc.stop(graceMs),
  };
}

/** The lease file's text; empty before dnsmasq has created it. */
async function readLeaseFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}
