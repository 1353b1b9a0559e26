/** The `--fault` option of `rackpilot lab up`: which machine misbehaves, and how. */
import type { VirtualServerFaults } from './machine-spec.js';

/** How a `--fault` value is spelled. */
export const FAULT_SYNTAX = 'NAME:never-boots|wrong-password|bmc-drop=RATE|fail-wipe=DISK|kube-ready-delay=MS';

/** Parses `--fault` values (`lab-02:never-boots`) into per-machine faults. Thrown on an unknown fault. */
export function parseFaults(values: readonly string[]): Record<string, VirtualServerFaults> {
  const faults: Record<string, VirtualServerFaults> = {};
  for (const value of values) {
    const match = /^([a-z0-9-]+):([a-z-]+)(?:=(.+))?$/.exec(value);
    if (!match) throw new Error(`bad --fault ${value}`);
    const [, name = '', kind, arg] = match;
    const entry = (faults[name] ??= {});
    if (kind === 'never-boots') entry.neverBoots = true;
    else if (kind === 'wrong-password') entry.wrongPassword = true;
    else if (kind === 'bmc-drop' && arg !== undefined && Number(arg) >= 0 && Number(arg) <= 1)
      entry.bmcDropRate = Number(arg);
    else if (kind === 'fail-wipe' && arg !== undefined) entry.failWipeDisks = [...(entry.failWipeDisks ?? []), arg];
    else if (kind === 'kube-ready-delay' && arg !== undefined && /^\d+$/.test(arg))
      entry.talos = { ...entry.talos, kubeApiReadyDelayMs: Number(arg) };
    else throw new Error(`bad --fault ${value}`);
  }
  return faults;
}
