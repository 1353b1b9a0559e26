import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { whichSync } from '../devservices/find-binary.js';

/** A command (or, for packages without one, a file) the project needs, and the Debian package that provides it. */
export interface SystemRequirement {
  command?: string;
  /** Checked instead of a command: e.g. a GRUB platform directory. */
  file?: string;
  debianPackage: string;
  why: string;
}

/** What the agent, the lab and the tests run on this machine. */
export const SYSTEM_REQUIREMENTS: SystemRequirement[] = [
  { command: 'ipmitool', debianPackage: 'ipmitool', why: "the agent's IPMI driver" },
  { command: 'ipmi_sim', debianPackage: 'openipmi', why: 'simulated BMCs of the lab and tests' },
  { command: 'openssl', debianPackage: 'openssl', why: 'certificate checks in tests' },
  { command: 'ssh', debianPackage: 'openssh-client', why: 'a real SSH client against the lab' },
  { command: 'kubectl', debianPackage: 'kubernetes-client', why: 'reading downloaded kubeconfigs in tests' },
  { command: 'chromium', debianPackage: 'chromium', why: "the dashboard's browser test (Playwright drives it)" },
  { command: 'tftp', debianPackage: 'tftp-hpa', why: "a real TFTP client against the agent's TFTP server in tests" },
  { command: 'grub-mkrescue', debianPackage: 'grub-common', why: "the agent's virtual-media boot images" },
  { command: 'xorriso', debianPackage: 'xorriso', why: 'grub-mkrescue writes the ISO with it; the lab reads it back' },
  { command: 'mformat', debianPackage: 'mtools', why: "grub-mkrescue's EFI boot partition" },
  {
    file: '/usr/lib/grub/x86_64-efi/moddep.lst',
    debianPackage: 'grub-efi-amd64-bin',
    why: 'UEFI boot of those images',
  },
  { file: '/usr/lib/grub/i386-pc/moddep.lst', debianPackage: 'grub-pc-bin', why: 'BIOS boot of those images' },
];

/** Whether this machine meets the requirement. */
function present(r: SystemRequirement, env: NodeJS.ProcessEnv): boolean {
  if (r.file !== undefined) return existsSync(r.file);
  return r.command !== undefined && whichSync(r.command, withSbin(env)) !== undefined;
}

/**
 * Installs the Debian packages whose commands are missing. Idempotent: does nothing when every
 * command is present. Without root it explains what to install instead of failing obscurely.
 */
export function ensureSystemPackages(say: (line: string) => void, env: NodeJS.ProcessEnv = process.env): void {
  const missing = SYSTEM_REQUIREMENTS.filter((r) => !present(r, env));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((r) => r.debianPackage))];
  const reasons = missing.map((r) => `${r.command ?? r.file} (${r.why})`).join(', ');
  if (process.getuid?.() !== 0 || !whichSync('apt-get', withSbin(env))) {
    throw new Error(`Missing commands: ${reasons}. Install them with: sudo apt-get install -y ${packages.join(' ')}`);
  }
  say(`Installing Debian packages ${packages.join(' ')} for ${reasons}…`);
  aptInstall(packages, env);
}

/** `apt-get update` and `apt-get install -y --no-install-recommends packages`; thrown when either fails. */
export function aptInstall(packages: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env: aptEnv });
  if (update.status !== 0) throw new Error('apt-get update failed');
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
    stdio: 'inherit',
    env: aptEnv,
  });
  if (install.status !== 0) throw new Error(`apt-get install ${packages.join(' ')} failed`);
}

/** ipmi_sim lives in /usr/sbin, which a non-login PATH may lack. */
function withSbin(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, PATH: `${env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin` };
}
