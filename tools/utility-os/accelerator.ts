/**
 * Chooses QEMU's accelerator by booting a real kernel, not by looking at /dev/kvm alone: on some
 * hosts /dev/kvm opens but guests do not run (e.g. `kvm_pvm`, a paravirtual nested KVM, under
 * which a stock Debian kernel hangs right after decompression while TCG boots it in seconds). KVM is
 * chosen only when the kernel reaches userspace under it within the timeout; else TCG, with why.
 * A verdict from a boot is cached per (kernel, initrd, host kernel, QEMU binary), so the probe's
 * seconds are paid once per host.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { cacheDir } from '../devservices/cache-dir.js';
import { whichSync } from '../devservices/find-binary.js';

/** The accelerator to run lab VMs with, and why (shown to the user when it is TCG). */
export interface AcceleratorChoice {
  accel: 'kvm' | 'tcg';
  reason: string;
}

export interface ProbeOptions {
  /** How long a KVM boot may take to print its marker; default 10 s (a working KVM needs 1–2 s). */
  timeoutMs?: number;
  /** Default: qemu-system-x86_64 on PATH. */
  qemu?: string;
  /** Where verdicts are cached; default `<cache dir>/utility-os/accelerator`. */
  cacheRoot?: string;
  /** Default /dev/kvm. */
  kvmDevice?: string;
}

/** What /init prints on `rackpilot.probe=1` before powering off (init.sh). */
export const PROBE_MARKER = 'rackpilot-utility: probe-ok';
/** Without an initrd, the kernel's own complaint that there is no root proves it ran all of its init. */
const NO_ROOT_MARKER = /VFS: Unable to mount root fs|Kernel panic - not syncing/;

/** Returns 'kvm' when `kernel` (and `initrd`, when given) really boots under KVM, else 'tcg'. */
export async function probeAccelerator(
  kernel: string,
  initrd?: string,
  options: ProbeOptions = {},
): Promise<AcceleratorChoice> {
  const device = options.kvmDevice ?? '/dev/kvm';
  try {
    closeSync(openSync(device, 'r+'));
  } catch (err) {
    return { accel: 'tcg', reason: `${device} cannot be opened (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  const qemu = options.qemu ?? whichSync('qemu-system-x86_64');
  if (!qemu) return { accel: 'tcg', reason: 'qemu-system-x86_64 is not on PATH' };

  const cacheFile = join(options.cacheRoot ?? join(cacheDir(), 'utility-os', 'accelerator'), `${probeKey(qemu, kernel, initrd)}.json`);
  const cached = readCached(cacheFile);
  if (cached) return cached;
  const choice = await bootUnderKvm(qemu, kernel, initrd, options.timeoutMs ?? 10_000);
  mkdirSync(join(cacheFile, '..'), { recursive: true });
  const staging = `${cacheFile}.${process.pid}.tmp`;
  writeFileSync(staging, `${JSON.stringify({ ...choice, probedAt: new Date().toISOString() })}\n`);
  renameSync(staging, cacheFile);
  return choice;
}

/** Identifies what the verdict depends on: the guest (kernel, initrd), the host kernel (its KVM) and QEMU. */
function probeKey(qemu: string, kernel: string, initrd: string | undefined): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(kernel));
  if (initrd !== undefined) hash.update(readFileSync(initrd));
  const q = statSync(qemu);
  hash.update(JSON.stringify({ host: release(), qemu, qemuSize: q.size, qemuMtime: q.mtimeMs }));
  return hash.digest('hex').slice(0, 16);
}

function readCached(file: string): AcceleratorChoice | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<AcceleratorChoice>;
    if ((value.accel === 'kvm' || value.accel === 'tcg') && typeof value.reason === 'string') {
      return { accel: value.accel, reason: `${value.reason} (cached verdict)` };
    }
  } catch {
    // A torn or foreign file: probe again.
  }
  return undefined;
}

function bootUnderKvm(qemu: string, kernel: string, initrd: string | undefined, timeoutMs: number): Promise<AcceleratorChoice> {
  const args = ['-accel', 'kvm', '-cpu', 'host', '-m', '256', '-smp', '1', '-nodefaults', '-display', 'none'];
  args.push('-no-reboot', '-serial', 'stdio', '-kernel', kernel);
  if (initrd !== undefined) args.push('-initrd', initrd);
  // panic=-1 + -no-reboot: a kernel without a root panics, reboots at once, and QEMU exits.
  args.push('-append', `console=ttyS0 panic=-1${initrd !== undefined ? ' rackpilot.probe=1' : ''}`);
  const marker = (text: string): boolean => (initrd !== undefined ? text.includes(PROBE_MARKER) : NO_ROOT_MARKER.test(text));
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(qemu, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stderr = '';
    let done = false;
    const finish = (choice: AcceleratorChoice): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(choice);
    };
    const lastLine = (): string => output.trim().split('\n').at(-1)?.trim().slice(0, 160) ?? '';
    const timer = setTimeout(() => {
      const seen = output.trim() === '' ? 'nothing on its console' : `last console line: "${lastLine()}"`;
      finish({ accel: 'tcg', reason: `a Linux guest did not reach userspace under KVM within ${timeoutMs / 1000} s (${seen})` });
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString('latin1')).slice(-16_000);
      if (marker(output)) {
        finish({ accel: 'kvm', reason: `a Linux guest booted to userspace under KVM in ${((Date.now() - started) / 1000).toFixed(1)} s` });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
    child.on('error', (err) => finish({ accel: 'tcg', reason: `QEMU could not start: ${err.message}` }));
    // 'close', not 'exit': the marker may still be in the pipe when QEMU exits after poweroff.
    child.on('close', (code, signal) => {
      const why = stderr.trim().split('\n').at(-1) ?? '';
      finish({ accel: 'tcg', reason: `QEMU exited (${signal ?? code}) under KVM before the guest reached userspace${why ? `: ${why}` : ''}` });
    });
  });
}
