/**
 * Collects the hardware inventory of a machine booted into the utility OS, over an `SshRunner`.
 * Read-only: every command here only reads.
 */
import { inventorySchema, type Inventory } from '../../shared/inventory.js';
import { InventoryCommands } from './commands.js';
import { SshCommandError } from './errors.js';
import {
  parseDmiValue,
  parseIpLink,
  parseIpmiLan,
  parseLsblk,
  parseLscpu,
  parseMeminfo,
  parseNicSpeeds,
} from './inventory-parsers.js';
import type { CommandResult, ExecOptions, SshRunner } from './ssh-runner.js';

const TIMEOUT_MS = 30_000;

async function required(runner: SshRunner, command: string, options: ExecOptions): Promise<string> {
  const result = await runner.exec(command, { timeoutMs: TIMEOUT_MS, ...options });
  if (result.code !== 0) throw new SshCommandError(command, result.code, result.stderr);
  return result.stdout;
}

async function optional(runner: SshRunner, command: string, options: ExecOptions): Promise<CommandResult> {
  return runner.exec(command, { timeoutMs: TIMEOUT_MS, ...options });
}

/**
 * Returns the machine's inventory. Throws `SshCommandError` when a required command fails and
 * `UnexpectedOutputError` when its output cannot be parsed; NIC speeds, DMI and BMC are best-effort.
 */
export async function collectInventory(runner: SshRunner, options: { signal?: AbortSignal } = {}): Promise<Inventory> {
  const exec: ExecOptions = { signal: options.signal };
  const disks = parseLsblk(await required(runner, InventoryCommands.lsblk, exec));
  const cpu = parseLscpu(await required(runner, InventoryCommands.lscpu, exec));
  const totalBytes = parseMeminfo(await required(runner, InventoryCommands.meminfo, exec));
  const links = await required(runner, InventoryCommands.ipLink, exec);
  // grep exits 2 when some speed files are unreadable (link down, virtual NIC) but still prints the others.
  const speeds = await optional(runner, InventoryCommands.nicSpeeds, exec);
  const nics = parseIpLink(links, speeds.code <= 2 ? parseNicSpeeds(speeds.stdout) : new Map());
  const dmiValue = async (command: string): Promise<string | null> => {
    const result = await optional(runner, command, exec);
    return result.code === 0 ? parseDmiValue(result.stdout) : null;
  };
  const dmi = {
    vendor: await dmiValue(InventoryCommands.dmiVendor),
    product: await dmiValue(InventoryCommands.dmiProduct),
    serial: await dmiValue(InventoryCommands.dmiSerial),
  };
  const lan = await optional(runner, InventoryCommands.bmcLan, exec);
  const inventory: Inventory = { cpu, memory: { totalBytes }, disks, nics, dmi };
  if (lan.code === 0) inventory.bmc = parseIpmiLan(lan.stdout);
  return inventorySchema.parse(inventory);
}
