/**
 * Wipes the disks a job names, one after the other, and verifies each: identity checked for every
 * disk before the first write (and again just before each disk), plan from wipe-planner.ts,
 * verification from wipe-verifier.ts, one `WipeReport` per disk.
 */
import type { InventoryDisk } from '../../shared/inventory.js';
import type { WipeCommandRecord, WipeMethod, WipeReport, WipeTarget, WipeTechnique } from '../../shared/wipe-report.js';
import { InventoryCommands, WipeCommands } from './commands.js';
import { resolveTargets } from './disk-identity.js';
import { SshCommandError, WipeVerificationError } from './errors.js';
import { parseHdparmIdentify } from './hdparm-parser.js';
import { parseLsblk } from './inventory-parsers.js';
import type { SshRunner } from './ssh-runner.js';
import { needsAtaIdentify, planWipe, type WipePlan } from './wipe-planner.js';
import { verifyWipe, type RecordedExec } from './wipe-verifier.js';

/** Where a wipe is, for job heartbeats. `diskIndex` counts from 1. */
export interface WipeProgress {
  diskIndex: number;
  diskCount: number;
  path: string;
  phase: 'checking-identity' | 'erasing' | 'verifying' | 'done';
  technique?: WipeTechnique;
}

export interface WipeOptions {
  runner: SshRunner;
  targets: readonly WipeTarget[];
  method: WipeMethod;
  onProgress?: (progress: WipeProgress) => void;
  signal?: AbortSignal;
  now?: () => Date;
}

async function listDisks(runner: SshRunner, signal: AbortSignal | undefined): Promise<InventoryDisk[]> {
  const result = await runner.exec(InventoryCommands.lsblk, { timeoutMs: 30_000, signal });
  if (result.code !== 0) throw new SshCommandError(InventoryCommands.lsblk, result.code, result.stderr);
  return parseLsblk(result.stdout);
}

/**
 * Wipes and verifies every target; returns the reports when all passed. Throws
 * `DiskIdentityMismatchError` (nothing written) when a target is not the disk the job expects, and
 * `WipeVerificationError` (with every disk's report) when any disk failed to erase or verify.
 */
export async function wipeDisks(options: WipeOptions): Promise<WipeReport[]> {
  const { runner, targets, signal } = options;
  resolveTargets(targets, await listDisks(runner, signal));
  const reports: WipeReport[] = [];
  for (const [index, target] of targets.entries()) {
    const progress = (phase: WipeProgress['phase'], technique?: WipeTechnique): void =>
      options.onProgress?.({ diskIndex: index + 1, diskCount: targets.length, path: target.path, phase, technique });
    progress('checking-identity');
    // Names can move when disks are hot-plugged during a long job: check again right before writing.
    const [disk] = resolveTargets([target], await listDisks(runner, signal));
    reports.push(await wipeOne(disk as InventoryDisk, options, progress));
    progress('done');
  }
  if (reports.some((r) => !r.verification.passed || r.error !== undefined)) throw new WipeVerificationError(reports);
  return reports;
}

async function wipeOne(
  disk: InventoryDisk,
  options: WipeOptions,
  progress: (phase: WipeProgress['phase'], technique?: WipeTechnique) => void,
): Promise<WipeReport> {
  const now = options.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const commands: WipeCommandRecord[] = [];
  const exec: RecordedExec = async (command, timeoutMs) => {
    const started = Date.now();
    const result = await options.runner.exec(command, { timeoutMs, signal: options.signal });
    const record = { command, exitCode: result.code, durationMs: Date.now() - started };
    commands.push(record);
    return { ...result, record };
  };

  let ata = null;
  if (needsAtaIdentify(disk, options.method)) {
    const identify = await exec(WipeCommands.hdparmIdentify(disk.path), 60_000);
    ata = identify.code === 0 ? parseHdparmIdentify(identify.stdout) : null;
  }
  const plan = planWipe(disk, options.method, ata);
  const { technique, error } = await runPlan(plan, exec, progress);
  progress('verifying', technique);
  const verification = await verifyWipe(disk, exec);
  return {
    diskId: disk.wwn ?? disk.serial ?? disk.path,
    path: disk.path,
    model: disk.model,
    serial: disk.serial,
    wwn: disk.wwn,
    sizeBytes: disk.sizeBytes,
    method: options.method,
    technique,
    commands,
    verification,
    ...(error === undefined ? {} : { error }),
    startedAt,
    finishedAt: now().toISOString(),
  };
}

/** Runs the attempts in order until one completes; returns its technique, or the last one's failure. */
async function runPlan(
  plan: WipePlan,
  exec: RecordedExec,
  progress: (phase: WipeProgress['phase'], technique?: WipeTechnique) => void,
): Promise<{ technique: WipeTechnique; error?: string }> {
  let failure = 'no attempt planned';
  let technique: WipeTechnique = plan.attempts[0]?.technique ?? 'metadata';
  for (const attempt of plan.attempts) {
    technique = attempt.technique;
    progress('erasing', technique);
    const failed = await firstFailure(attempt.steps, exec);
    if (failed === undefined) return { technique };
    failure = `${failed.command} exited ${failed.code}: ${failed.stderr.trim().slice(0, 300)}`;
    for (const step of attempt.onFailure) await exec(step.command, step.timeoutMs);
  }
  return { technique, error: failure };
}

async function firstFailure(
  steps: WipePlan['attempts'][number]['steps'],
  exec: RecordedExec,
): Promise<{ command: string; code: number; stderr: string } | undefined> {
  for (const step of steps) {
    const result = await exec(step.command, step.timeoutMs);
    if (result.code !== 0) return { command: step.command, code: result.code, stderr: result.stderr };
  }
  return undefined;
}
