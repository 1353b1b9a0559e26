/**
 * Pure renderers of the iPXE scripts the boot server hands out. iPXE expands `${...}` and splits
 * arguments on spaces, so every value written into a script was validated first (MACs, IPs,
 * versions and tokens by the plan schema, the rest here) and nothing is interpolated raw.
 */
import { ValidationError } from '../../shared/errors.js';
import type { RegisteredBootPlan, TalosBoot } from './boot-plans.js';
import { ARTIFACT_NAME_PATTERN, normaliseBaseUrl, normaliseMac, prefixToNetmask } from './boot-validation.js';

/** The utility image (discovery, inventory, wipe) as the agent is configured to serve it. */
export interface UtilityImage {
  /** Artifact name of the kernel in the cache. */
  readonly kernel: string;
  /** Artifact name of the initrd in the cache. */
  readonly initrd: string;
  /** The agent's SSH public key (one `authorized_keys` line) the image must trust. */
  readonly sshAuthorizedKey: string;
  /** Extra kernel arguments (`key=value` or flags, no spaces or `$`). */
  readonly extraArgs?: readonly string[];
}

/** Talos kernel arguments for metal, as Talos documents them (talos.dev reference/kernel, PXE guide). */
export const TALOS_BASE_KERNEL_ARGS = [
  'talos.platform=metal',
  'console=tty0',
  'console=ttyS0',
  'init_on_alloc=1',
  'slab_nomerge',
  'pti=on',
  'printk.devkmsg=on',
] as const;

const SSH_KEY_PATTERN =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+={0,3}( [\x20-\x7e]*)?$/;
const KERNEL_ARG_PATTERN = /^[A-Za-z0-9._,:/=+@-]{1,256}$/;

/** Returns the artifact names of a Talos release's PXE kernel and initramfs in the cache. */
export function talosArtifactNames(version: TalosBoot['version']): { kernel: string; initramfs: string } {
  return { kernel: `talos-${version}-vmlinuz-amd64`, initramfs: `talos-${version}-initramfs-amd64.xz` };
}

/** Script for any iPXE: chain to the per-machine script, iPXE filling in its own MAC. */
export function renderChainScript(baseUrl: string): string {
  return script([`chain --autofree ${normaliseBaseUrl(baseUrl)}/ipxe?mac=\${net0/mac}`]);
}

/** Script that leaves iPXE so the firmware boots the next device (the local disk). */
export function renderExitScript(reason: 'local-disk' | 'no-plan'): string {
  return script([
    `echo rackpilot: ${reason === 'local-disk' ? 'booting from local disk' : 'no boot plan for this machine'}`,
    'exit',
  ]);
}

/** Returns the URL of a per-machine Talos config (`talos.config=`). */
export function talosConfigUrl(baseUrl: string, mac: string, token: string): string {
  return `${normaliseBaseUrl(baseUrl)}/config/${token}?mac=${normaliseMac(mac)}`;
}

/** Returns the Talos kernel arguments of a plan, including `ip=` when the cluster gives a static IP. */
export function talosKernelArgs(baseUrl: string, mac: string, talos: TalosBoot): string[] {
  const args: string[] = [...TALOS_BASE_KERNEL_ARGS];
  const net = talos.staticIp;
  if (net !== undefined) {
    const [dns0 = '', dns1 = ''] = net.dns ?? [];
    // ip=<client-ip>:<server-ip>:<gw-ip>:<netmask>:<hostname>:<device>:<autoconf>:<dns0-ip>:<dns1-ip>
    const fields = [net.ip, '', net.gateway, prefixToNetmask(net.prefix), talos.hostname ?? '', net.interface ?? ''];
    args.push(`ip=${[...fields, 'off', dns0, dns1].join(':')}`);
  }
  args.push(`talos.config=${talosConfigUrl(baseUrl, mac, talos.configUrlToken)}`);
  return args;
}

/** Script that boots a Talos release's kernel and initramfs with the machine's kernel arguments. */
export function renderTalosScript(baseUrl: string, mac: string, talos: TalosBoot): string {
  const names = talosArtifactNames(talos.version);
  return script([
    `kernel ${artifactUrl(baseUrl, names.kernel, mac)} ${talosKernelArgs(baseUrl, mac, talos).join(' ')}`,
    `initrd ${artifactUrl(baseUrl, names.initramfs, mac)}`,
    'boot',
  ]);
}

/**
 * Returns the utility image's kernel arguments; `BOOTIF=` names the NIC that booted when `mac` is
 * known (a virtual-media boot of a machine never inventoried has none to name). Thrown when the
 * image settings are unsafe: `ValidationError`.
 */
export function utilityKernelArgs(baseUrl: string, mac: string | undefined, image: UtilityImage): string[] {
  const key = image.sshAuthorizedKey.trim();
  if (!SSH_KEY_PATTERN.test(key)) throw new ValidationError('Utility image SSH key is not one authorized_keys line');
  for (const arg of image.extraArgs ?? []) {
    if (!KERNEL_ARG_PATTERN.test(arg)) throw new ValidationError('Unsafe utility kernel argument', { arg });
  }
  return [
    'console=tty0',
    'console=ttyS0',
    ...(mac === undefined ? [] : [`BOOTIF=01-${normaliseMac(mac).replaceAll(':', '-')}`]),
    'rackpilot.boot=utility',
    `rackpilot.agent=${normaliseBaseUrl(baseUrl)}`,
    `rackpilot.ssh_key=${Buffer.from(key).toString('base64url')}`,
    ...(image.extraArgs ?? []),
  ];
}

/** Script that boots the utility image. */
export function renderUtilityScript(baseUrl: string, mac: string, image: UtilityImage): string {
  return script([
    `kernel ${artifactUrl(baseUrl, image.kernel, mac)} ${utilityKernelArgs(baseUrl, mac, image).join(' ')}`,
    `initrd ${artifactUrl(baseUrl, image.initrd, mac)}`,
    'boot',
  ]);
}

/** Returns the script a machine gets for its plan (`exit` when it has none). */
export function renderScriptForPlan(
  baseUrl: string,
  plan: RegisteredBootPlan | undefined,
  utility: UtilityImage,
): string {
  if (plan === undefined) return renderExitScript('no-plan');
  switch (plan.kind) {
    case 'utility':
      return renderUtilityScript(baseUrl, plan.mac, utility);
    case 'talos':
      if (plan.talos === undefined) throw new ValidationError('Talos plan without Talos settings');
      return renderTalosScript(baseUrl, plan.mac, plan.talos);
    case 'local-disk':
      return renderExitScript('local-disk');
  }
}

/** Returns the URL of a cached artifact, tagged with the MAC so each download is attributed. */
export function artifactUrl(baseUrl: string, name: string, mac: string): string {
  if (!ARTIFACT_NAME_PATTERN.test(name)) throw new ValidationError('Invalid artifact name', { name });
  return `${normaliseBaseUrl(baseUrl)}/artifacts/${name}?mac=${normaliseMac(mac)}`;
}

function script(lines: string[]): string {
  return ['#!ipxe', ...lines, ''].join('\n');
}
