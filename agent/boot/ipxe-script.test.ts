import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.js';
import { BootPlanRegistry } from './boot-plans.js';
import {
  TALOS_BASE_KERNEL_ARGS,
  renderChainScript,
  renderScriptForPlan,
  talosKernelArgs,
  utilityKernelArgs,
  type UtilityImage,
} from './ipxe-script.js';

const BASE = 'http://10.0.0.2:8080';
const MAC = '52:54:00:ab:cd:ef';
const TOKEN = 'tok_0123456789abcdefghijkl';
const UTILITY: UtilityImage = {
  kernel: 'utility-vmlinuz',
  initrd: 'utility-initrd.img',
  sshAuthorizedKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ6Nv0dG4Y9s agent@site',
};

function planFor(plan: Record<string, unknown>) {
  return new BootPlanRegistry().register(MAC, { jobId: 'job-1', assetId: 'asset-1', ...plan });
}

describe('iPXE scripts', () => {
  it('chains to the per-MAC script with iPXE filling in its own MAC', () => {
    expect(renderChainScript(`${BASE}/`)).toBe(`#!ipxe\nchain --autofree ${BASE}/ipxe?mac=\${net0/mac}\n`);
  });

  it('boots the Talos kernel and initramfs of the requested version with the documented metal kernel args', () => {
    const text = renderScriptForPlan(
      BASE,
      planFor({ kind: 'talos', talos: { version: 'v1.9.5', configUrlToken: TOKEN } }),
      UTILITY,
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe('#!ipxe');
    expect(lines[1]).toBe(
      `kernel ${BASE}/artifacts/talos-v1.9.5-vmlinuz-amd64?mac=${MAC} talos.platform=metal console=tty0 console=ttyS0 ` +
        `init_on_alloc=1 slab_nomerge pti=on printk.devkmsg=on talos.config=${BASE}/config/${TOKEN}?mac=${MAC}`,
    );
    expect(lines[2]).toBe(`initrd ${BASE}/artifacts/talos-v1.9.5-initramfs-amd64.xz?mac=${MAC}`);
    expect(lines[3]).toBe('boot');
  });

  it('adds the ip= argument in the kernel order client::gw:netmask:hostname:device:off:dns0:dns1 for a static IP', () => {
    const args = talosKernelArgs(BASE, MAC, {
      version: 'v1.9.5',
      configUrlToken: TOKEN,
      hostname: 'cp-1',
      staticIp: {
        ip: '127.10.0.11',
        prefix: 24,
        gateway: '127.10.0.1',
        interface: 'eth0',
        dns: ['1.1.1.1', '8.8.8.8'],
      },
    });
    expect(args).toContain('ip=127.10.0.11::127.10.0.1:255.255.255.0:cp-1:eth0:off:1.1.1.1:8.8.8.8');
    expect(args.slice(0, TALOS_BASE_KERNEL_ARGS.length)).toEqual([...TALOS_BASE_KERNEL_ARGS]);
  });

  it('leaves hostname, device and DNS empty when the cluster does not give them', () => {
    const args = talosKernelArgs(BASE, MAC, {
      version: 'v1.9.5',
      configUrlToken: TOKEN,
      staticIp: { ip: '10.1.0.5', prefix: 16, gateway: '10.1.0.1' },
    });
    expect(args).toContain('ip=10.1.0.5::10.1.0.1:255.255.0.0:::off::');
  });

  it('boots the utility image with BOOTIF, the agent URL and the SSH key as one base64url argument', () => {
    const text = renderScriptForPlan(BASE, planFor({ kind: 'utility' }), UTILITY);
    expect(text).toContain(`kernel ${BASE}/artifacts/utility-vmlinuz?mac=${MAC} console=tty0`);
    expect(text).toContain(`initrd ${BASE}/artifacts/utility-initrd.img?mac=${MAC}\nboot\n`);
    const args = utilityKernelArgs(BASE, MAC, UTILITY);
    expect(args).toContain('BOOTIF=01-52-54-00-ab-cd-ef');
    expect(args).toContain('rackpilot.boot=utility');
    const key = args.find((a) => a.startsWith('rackpilot.ssh_key='))?.split('=')[1] ?? '';
    expect(Buffer.from(key, 'base64url').toString()).toBe(UTILITY.sshAuthorizedKey);
  });

  it('exits to the local disk for a local-disk plan and for a MAC without a plan', () => {
    expect(renderScriptForPlan(BASE, planFor({ kind: 'local-disk' }), UTILITY)).toMatch(/^#!ipxe\n.*\nexit\n$/);
    expect(renderScriptForPlan(BASE, undefined, UTILITY)).toMatch(/no boot plan.*\nexit\n$/);
  });

  it('refuses unsafe utility settings and boot server URLs instead of writing them into a script', () => {
    expect(() => utilityKernelArgs(BASE, MAC, { ...UTILITY, sshAuthorizedKey: 'ssh-ed25519 AAAA\nexit' })).toThrow(
      ValidationError,
    );
    expect(() => utilityKernelArgs(BASE, MAC, { ...UTILITY, extraArgs: ['init=${x}'] })).toThrow(ValidationError);
    expect(() =>
      renderScriptForPlan(BASE, planFor({ kind: 'utility' }), { ...UTILITY, kernel: '../etc/passwd' }),
    ).toThrow(ValidationError);
    expect(() => renderChainScript('http://host/?a=${b}')).toThrow(ValidationError);
    expect(() => renderChainScript('file:///etc')).toThrow(ValidationError);
  });
});
