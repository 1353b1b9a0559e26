/**
 * Pure parsers of the inventory commands' output (commands.ts `InventoryCommands`), tested on
 * recorded outputs in test/fixtures/ssh. They accept the shapes util-linux and iproute2 have
 * produced over the years (lsblk strings vs numbers, lscpu flat vs hierarchical).
 */
import { z } from 'zod';
import type { Inventory, InventoryDisk, InventoryNic } from '../../shared/inventory.js';
import { UnexpectedOutputError } from './errors.js';

function parseJson<T>(what: string, text: string, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UnexpectedOutputError(what, 'not JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UnexpectedOutputError(what, z.prettifyError(parsed.error));
  return parsed.data;
}

/** lsblk ≤ 2.32 prints numbers and booleans as strings ("960197124096", "0"). */
const looseNumber = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);
const looseBool = z.union([z.boolean(), z.enum(['0', '1']).transform((v) => v === '1')]);
const optionalText = z
  .string()
  .nullish()
  .transform((v) => (v === undefined || v === null || v.trim() === '' ? null : v.trim()));

const lsblkSchema = z.object({
  blockdevices: z.array(
    z.object({
      name: z.string(),
      size: looseNumber,
      model: optionalText,
      serial: optionalText,
      wwn: optionalText,
      rota: looseBool,
      type: z.string(),
      tran: optionalText,
    }),
  ),
});

/** Kernel devices that are never hardware disks, even when lsblk calls them `disk`. */
const VIRTUAL_DISK = /^(zram|ram|loop|nbd|dm-|md)\d*/;

/** Parses `lsblk -J -b -o NAME,SIZE,MODEL,SERIAL,WWN,ROTA,TYPE,TRAN` into whole physical disks (partitions, ROMs, loops, zram dropped). */
export function parseLsblk(text: string): InventoryDisk[] {
  const { blockdevices } = parseJson('lsblk', text, lsblkSchema);
  return blockdevices
    .filter((d) => d.type === 'disk' && d.size > 0 && !VIRTUAL_DISK.test(d.name) && /^[a-z0-9]+$/.test(d.name))
    .map((d) => ({
      name: d.name,
      path: `/dev/${d.name}`,
      sizeBytes: d.size,
      model: d.model,
      serial: d.serial,
      wwn: d.wwn,
      rotational: d.rota,
      transport: d.tran,
      type: d.type,
    }));
}

interface LscpuEntry {
  field: string;
  data?: string | null;
  children?: LscpuEntry[];
}
const lscpuEntry: z.ZodType<LscpuEntry> = z.lazy(() =>
  z.object({ field: z.string(), data: z.string().nullish(), children: z.array(lscpuEntry).optional() }),
);

/** Parses `lscpu -J` (flat, or hierarchical with `children` as printed on a terminal). */
export function parseLscpu(text: string): Inventory['cpu'] {
  const { lscpu } = parseJson('lscpu', text, z.object({ lscpu: z.array(lscpuEntry) }));
  const fields = new Map<string, string>();
  const walk = (entries: LscpuEntry[]): void => {
    for (const e of entries) {
      if (e.data !== undefined && e.data !== null) fields.set(e.field.replace(/:$/, ''), e.data);
      if (e.children) walk(e.children);
    }
  };
  walk(lscpu);
  const int = (name: string, fallback?: number): number => {
    const value = Number.parseInt(fields.get(name) ?? '', 10);
    if (Number.isInteger(value) && value > 0) return value;
    if (fallback !== undefined) return fallback;
    throw new UnexpectedOutputError('lscpu', `missing "${name}"`);
  };
  const threads = int('CPU(s)');
  const sockets = int('Socket(s)', 1);
  const threadsPerCore = int('Thread(s) per core', 1);
  const cores = int('Core(s) per socket', Math.max(1, Math.round(threads / threadsPerCore / sockets))) * sockets;
  const model = fields.get('Model name') ?? fields.get('BIOS Model name');
  if (!model) throw new UnexpectedOutputError('lscpu', 'missing "Model name"');
  return { model: model.replace(/\s+/g, ' ').trim(), cores, threads, sockets };
}

/** Parses `cat /proc/meminfo`; returns `MemTotal` in bytes. */
export function parseMeminfo(text: string): number {
  const match = /^MemTotal:\s+(\d+)\s+kB$/m.exec(text);
  if (!match?.[1]) throw new UnexpectedOutputError('/proc/meminfo', 'no MemTotal line');
  return Number(match[1]) * 1024;
}

const ipLinkSchema = z.array(
  z.object({
    ifname: z.string(),
    flags: z.array(z.string()).default([]),
    operstate: z.string().default('UNKNOWN'),
    link_type: z.string().optional(),
    address: z.string().optional(),
    permaddr: z.string().optional(),
  }),
);

/**
 * Parses `ip -j link` into physical Ethernet NICs: loopback, ifb and bond/bridge masters dropped, and a
 * bonded port reported with its permanent MAC (`permaddr`) rather than the bond's.
 */
export function parseIpLink(text: string, speeds: ReadonlyMap<string, number | null> = new Map()): InventoryNic[] {
  return (
    parseJson('ip -j link', text, ipLinkSchema)
      // Physical Ethernet only: NOARP marks ifb/tunnel devices, MASTER marks bonds and bridges.
      .filter((l) => l.link_type === 'ether' && !['MASTER', 'LOOPBACK', 'NOARP'].some((f) => l.flags.includes(f)))
      .map((l) => ({ link: l, mac: (l.permaddr ?? l.address ?? '').toLowerCase() }))
      .filter(({ mac }) => /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac) && mac !== '00:00:00:00:00:00')
      .map(({ link, mac }) => ({
        name: link.ifname,
        mac,
        speedMbps: speeds.get(link.ifname) ?? null,
        state: link.operstate.toLowerCase(),
      }))
  );
}

/** Parses `grep -H . /sys/class/net/X/speed` lines; a speed of -1 or unreadable one is null. */
export function parseNicSpeeds(text: string): Map<string, number | null> {
  const speeds = new Map<string, number | null>();
  for (const line of text.split('\n')) {
    const match = /^\/sys\/class\/net\/([^/]+)\/speed:(-?\d+)$/.exec(line.trim());
    if (!match?.[1] || match[2] === undefined) continue;
    const mbps = Number(match[2]);
    speeds.set(match[1], mbps > 0 ? mbps : null);
  }
  return speeds;
}

/** Values vendors leave in DMI fields they did not fill in. */
const DMI_PLACEHOLDERS =
  /^(to be filled by o\.e\.m\.|default string|not specified|not applicable|system (manufacturer|product name|serial number)|0+|none|n\/a|123456789)$/i;

/** Parses one `dmidecode -s <keyword>` answer; comments and placeholders become null. */
export function parseDmiValue(text: string): string | null {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  return line === undefined || DMI_PLACEHOLDERS.test(line) ? null : line;
}

/** Parses `ipmitool lan print 1` into the BMC's IP and MAC. */
export function parseIpmiLan(text: string): NonNullable<Inventory['bmc']> {
  const value = (key: string): string | null => {
    const match = new RegExp(`^${key}\\s*:\\s*(\\S+)\\s*$`, 'm').exec(text);
    return match?.[1] ?? null;
  };
  const ip = value('IP Address');
  return { ipAddress: ip === '0.0.0.0' ? null : ip, mac: value('MAC Address')?.toLowerCase() ?? null };
}
