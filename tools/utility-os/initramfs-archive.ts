/**
 * Packs a root directory into a gzip-compressed newc cpio archive, the initramfs format the
 * kernel unpacks. GNU cpio writes the archive (owners forced to root, so a build by an ordinary
 * user still gives root-owned files, which dropbear insists on for /root); Node's zlib compresses it.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/** Every path under `root`, relative, parents before children, in a stable order (symlinks not followed). */
export function listTree(root: string): string[] {
  const out: string[] = [];
  const walk = (relative: string): void => {
    for (const name of readdirSync(join(root, relative)).sort()) {
      const path = relative === '' ? name : `${relative}/${name}`;
      out.push(path);
      if (lstatSync(join(root, path)).isDirectory()) walk(path);
    }
  };
  walk('');
  return out;
}

/** Writes `root` as `<out>` (cpio newc, gzip -9). */
export async function packInitramfs(root: string, out: string): Promise<void> {
  const cpio = spawn('cpio', ['--create', '--format=newc', '--null', '--owner=0:0', '--reproducible', '--quiet'], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  cpio.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
  const exited = new Promise<void>((resolve, reject) => {
    cpio.on('error', (err) => reject(new Error(`cpio: ${err.message} (Debian package cpio)`)));
    cpio.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`cpio exited ${code}: ${stderr.trim()}`))));
  });
  cpio.stdin.end(listTree(root).map((p) => `${p}\0`).join(''));
  await Promise.all([pipeline(cpio.stdout, createGzip({ level: 9 }), createWriteStream(out)), exited]);
}
