/**
 * The state of one emulated utility OS: its spec and its disk images. Command modules
 * (commands/*.ts) read and change it.
 */
import type { DiskImage } from './disk-image.js';
import type { LabCommandResult, LabMachineSpec } from './types.js';

export interface LabMachine {
  spec: LabMachineSpec;
  /** Disk images by device path (`/dev/sda`). */
  disks: Map<string, DiskImage>;
}

/** One emulated command: receives the words after the command name. */
export type CommandHandler = (args: string[], machine: LabMachine) => Promise<LabCommandResult> | LabCommandResult;

export function ok(stdout = '', stderr = ''): LabCommandResult {
  return { code: 0, stdout, stderr };
}

export function fail(code: number, stderr: string, stdout = ''): LabCommandResult {
  return { code, stdout, stderr: stderr.endsWith('\n') ? stderr : `${stderr}\n` };
}

/** The tool's usage error for an argument form the lab does not emulate (the agent never sends it). */
export function unsupported(tool: string, args: string[]): LabCommandResult {
  return fail(2, `${tool}: lab utility OS does not emulate: ${[tool, ...args].join(' ')}`);
}
