/**
 * Pure planning of a disk wipe: which technique, which commands, which timeouts. A plan is an
 * ordered list of attempts; the executor runs the first, and moves to the next only when a
 * command of the current one fails (e.g. a discard the device refuses falls back to zero-fill).
 */
import type { InventoryDisk } from '../../shared/inventory.js';
import type { WipeMethod, WipeTechnique } from '../../shared/wipe-report.js';
import { WipeCommands } from './commands.js';
import { canAtaSecureErase, type AtaCapabilities } from './hdparm-parser.js';

const MIB = 1024 * 1024;
/** Bytes zeroed (and later read back) at each end of the disk: covers GPT, MBR and superblocks. */
export const HEAD_TAIL_BYTES = 32 * MIB;

export interface WipeStep {
  command: string;
  timeoutMs: number;
}

export interface WipeAttempt {
  technique: WipeTechnique;
  steps: WipeStep[];
  /** Run (best-effort) when a step fails, before the next attempt: e.g. remove the ATA password we set. */
  onFailure: WipeStep[];
}

export interface WipePlan {
  method: WipeMethod;
  attempts: WipeAttempt[];
}

/** Returns the byte ranges zeroed by a quick wipe and read back by verification. */
export function headTailRanges(sizeBytes: number): { head: [number, number]; tail: [number, number] } {
  const length = Math.min(HEAD_TAIL_BYTES, sizeBytes);
  return { head: [0, length], tail: [sizeBytes - length, length] };
}

const MINUTE = 60_000;

function zeroFillTimeoutMs(sizeBytes: number): number {
  // Budget 50 MB/s (a slow HDD's outer-to-inner average) and a margin: a slow disk must not be killed mid-fill.
  return Math.ceil(sizeBytes / 50e6) * 1000 + 10 * MINUTE;
}

function metadataAttempt(disk: InventoryDisk): WipeAttempt {
  const { head, tail } = headTailRanges(disk.sizeBytes);
  return {
    technique: 'metadata',
    steps: [
      { command: WipeCommands.wipefsAll(disk.path), timeoutMs: 2 * MINUTE },
      { command: WipeCommands.sgdiskZapAll(disk.path), timeoutMs: 2 * MINUTE },
      { command: WipeCommands.ddZero(disk.path, head[0], head[1]), timeoutMs: 5 * MINUTE },
      { command: WipeCommands.ddZero(disk.path, tail[0], tail[1]), timeoutMs: 5 * MINUTE },
    ],
    onFailure: [],
  };
}

function ataAttempt(disk: InventoryDisk, caps: AtaCapabilities): WipeAttempt {
  // The drive's estimate doubled, plus margin; 24 h when it gives none.
  const eraseTimeout = caps.eraseMinutes === null ? 24 * 60 * MINUTE : (caps.eraseMinutes * 2 + 15) * MINUTE;
  return {
    technique: 'ata-secure-erase',
    steps: [
      { command: WipeCommands.ataSetPassword(disk.path), timeoutMs: MINUTE },
      { command: WipeCommands.ataErase(disk.path), timeoutMs: eraseTimeout },
    ],
    onFailure: [{ command: WipeCommands.ataDisable(disk.path), timeoutMs: MINUTE }],
  };
}

/**
 * Returns the plan for one disk. `quick`: wipefs, sgdisk --zap-all, zero head and tail. `secure`:
 * NVMe Format (user data erase) for NVMe; ATA Secure Erase when the drive allows it now; a discard
 * for solid-state disks that read back zeros after it; and always, last, a full zero-fill.
 */
export function planWipe(disk: InventoryDisk, method: WipeMethod, ata: AtaCapabilities | null = null): WipePlan {
  if (method === 'quick') return { method, attempts: [metadataAttempt(disk)] };
  const attempts: WipeAttempt[] = [];
  if (disk.transport === 'nvme') {
    attempts.push({
      technique: 'nvme-format',
      steps: [{ command: WipeCommands.nvmeFormat(disk.path), timeoutMs: 60 * MINUTE }],
      onFailure: [],
    });
  }
  if (canAtaSecureErase(ata)) attempts.push(ataAttempt(disk, ata));
  const discardReadsZero = ata === null || (ata.trimSupported && ata.zeroesAfterTrim);
  if (!disk.rotational && discardReadsZero) {
    attempts.push({
      technique: 'blkdiscard',
      steps: [{ command: WipeCommands.blkdiscard(disk.path), timeoutMs: 60 * MINUTE }],
      onFailure: [],
    });
  }
  attempts.push({
    technique: 'zero-fill',
    steps: [
      { command: WipeCommands.ddZero(disk.path, 0, disk.sizeBytes), timeoutMs: zeroFillTimeoutMs(disk.sizeBytes) },
    ],
    onFailure: [],
  });
  return { method, attempts };
}

/** True when `hdparm -I` should be asked before planning: a secure wipe of an ATA-attached disk. */
export function needsAtaIdentify(disk: InventoryDisk, method: WipeMethod): boolean {
  return method === 'secure' && (disk.transport === 'sata' || disk.transport === 'ata');
}
