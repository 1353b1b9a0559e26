/**
 * A TFTP root for the tests: the real iPXE binaries from Debian's `ipxe` package when the host has
 * them (`/usr/lib/ipxe`), else deterministic stand-ins of the same names, plus files of awkward
 * sizes, a secret outside the root and a symlink pointing at it.
 */
import { createHash } from 'node:crypto';
import { access, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DEBIAN_IPXE_DIR = '/usr/lib/ipxe';

export interface TftpRoot {
  readonly base: string;
  readonly root: string;
  /** True when `ipxe.efi`/`undionly.kpxe` are Debian's real binaries. */
  readonly realIpxe: boolean;
  cleanup(): Promise<void>;
}

/** Deterministic bytes (SHA-256 counter stream). */
export function pseudoRandomBytes(size: number, seed: string): Buffer {
  const out = Buffer.alloc(size);
  for (let off = 0, i = 0; off < size; i++) {
    const block = createHash('sha256').update(`${seed}:${i}`).digest();
    off += block.copy(out, off);
  }
  return out;
}

/** Creates the TFTP root described above in a temp directory. */
export async function makeTftpRoot(): Promise<TftpRoot> {
  const base = await mkdtemp(join(tmpdir(), 'rackpilot-tftp-'));
  const root = join(base, 'root');
  await mkdir(join(root, 'sub'), { recursive: true });
  let realIpxe = true;
  for (const name of ['ipxe.efi', 'undionly.kpxe']) {
    try {
      await access(join(DEBIAN_IPXE_DIR, name));
      await copyFile(join(DEBIAN_IPXE_DIR, name), join(root, name));
    } catch {
      realIpxe = false;
      await writeFile(join(root, name), pseudoRandomBytes(name === 'ipxe.efi' ? 1_024_000 : 74_213, name));
    }
  }
  await writeFile(join(root, 'exact-512x3.bin'), pseudoRandomBytes(1536, 'exact'));
  await writeFile(join(root, 'empty.bin'), Buffer.alloc(0));
  await writeFile(join(root, 'sub', 'nested.bin'), pseudoRandomBytes(3000, 'nested'));
  await writeFile(join(base, 'secret.txt'), 'outside the TFTP root\n');
  await symlink(join(base, 'secret.txt'), join(root, 'escape-link'));
  return { base, root, realIpxe, cleanup: () => rm(base, { recursive: true, force: true }) };
}
