/**
 * Verification after a wipe: no signature left (`wipefs`, `blkid -p`) and the head and tail of the
 * disk read back as zeros (`cmp` against /dev/zero). Parsers are pure; `verifyWipe` runs them.
 */
import type { InventoryDisk } from '../../shared/inventory.js';
import type { WipeCommandRecord, WipeVerification } from '../../shared/wipe-report.js';
import { WipeCommands } from './commands.js';
import { headTailRanges } from './wipe-planner.js';
import type { CommandResult } from './ssh-runner.js';

/** Parses `wipefs -J <dev>` into the signature types found (empty output or list = none). */
export function parseWipefsJson(text: string): string[] {
  if (text.trim() === '') return [];
  const parsed = JSON.parse(text) as { signatures?: { type?: unknown }[] };
  if (!Array.isArray(parsed.signatures)) throw new Error('wipefs: no "signatures" array');
  return parsed.signatures.map((s) => String(s.type));
}

/** Parses `blkid -p -o export <dev>` (exit 2 = nothing found) into signature types (`TYPE`, `PTTYPE`). */
export function parseBlkidExport(result: CommandResult): string[] {
  if (result.code === 2) return [];
  if (result.code !== 0) throw new Error(`blkid exited ${result.code}: ${result.stderr.trim()}`);
  const types: string[] = [];
  for (const line of result.stdout.split('\n')) {
    const match = /^(TYPE|PTTYPE)=(.+)$/.exec(line.trim());
    if (match?.[2]) types.push(match[2]);
  }
  return types.length > 0 ? types : ['unknown'];
}

/** Parses `cmp -n N [-i 0:OFF] /dev/zero <dev>`: zero, or the first differing byte (1-based), or an error. */
export function parseCmp(
  result: CommandResult,
): { zero: true } | { zero: false; firstDifference: number | null; error?: string } {
  if (result.code === 0) return { zero: true };
  if (result.code === 1 && !/EOF on/.test(result.stderr)) {
    const match = /differ: (?:byte|char) (\d+)/.exec(result.stdout);
    return { zero: false, firstDifference: match?.[1] ? Number(match[1]) : null };
  }
  return { zero: false, firstDifference: null, error: result.stderr.trim() || `cmp exited ${result.code}` };
}

/** Runs a command and records it; the record goes into the disk's report. */
export type RecordedExec = (
  command: string,
  timeoutMs: number,
) => Promise<CommandResult & { record: WipeCommandRecord }>;

/** Returns the verification of one disk. Never throws on a failed check: failures are in `problems`. */
export async function verifyWipe(disk: InventoryDisk, exec: RecordedExec): Promise<WipeVerification> {
  const problems: string[] = [];
  const signatures = new Set<string>();
  const flush = await exec(WipeCommands.flushBuffers(disk.path), 60_000);
  if (flush.code !== 0) problems.push(`page cache not flushed, read-back may be stale: ${flush.stderr.trim()}`);

  const wipefs = await exec(WipeCommands.wipefsList(disk.path), 60_000);
  try {
    if (wipefs.code !== 0) throw new Error(`exited ${wipefs.code}: ${wipefs.stderr.trim()}`);
    for (const type of parseWipefsJson(wipefs.stdout)) signatures.add(type);
  } catch (err) {
    problems.push(`wipefs could not be read: ${(err as Error).message}`);
  }
  try {
    for (const type of parseBlkidExport(await exec(WipeCommands.blkidProbe(disk.path), 60_000))) signatures.add(type);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (signatures.size > 0) problems.push(`signatures still present: ${[...signatures].join(', ')}`);

  const { head, tail } = headTailRanges(disk.sizeBytes);
  const check = async (name: string, [offset, length]: [number, number]): Promise<boolean> => {
    const cmp = parseCmp(await exec(WipeCommands.cmpZero(disk.path, offset, length), 10 * 60_000));
    if (cmp.zero) return true;
    if (cmp.error !== undefined) problems.push(`${name} read-back failed: ${cmp.error}`);
    else problems.push(`${name} is not zero: first non-zero byte at offset ${offset + (cmp.firstDifference ?? 1) - 1}`);
    return false;
  };
  const headZero = await check('head', head);
  const tailZero = await check('tail', tail);
  return {
    passed: problems.length === 0,
    signaturesFound: [...signatures],
    headBytesChecked: head[1],
    headZero,
    tailBytesChecked: tail[1],
    tailZero,
    problems,
  };
}
