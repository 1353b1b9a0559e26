/**
 * A machine booting from the ISO in its BMC's virtual CD, as firmware and GRUB do: fetch the image
 * (the BMC streams it from the URL it was given), read `/boot/grub/grub.cfg` off it, load the
 * kernel and initrds its one menu entry names, then act on the kernel args exactly as a network
 * boot does (utility OS, or Talos with `talos.config=`). Files come off the ISO through `xorriso`;
 * every URL must point at loopback, checked before anything is fetched.
 *
 * The contract with the agent's ISO (grub-mkrescue, El Torito BIOS + EFI): one `menuentry` whose
 * body has `linux <path> <args…>` and `initrd <path…>`, optional `set`/`insmod` lines, no quoting
 * or variables in them. Anything else is refused with the line, so a drift shows at once.
 */
import { execFile } from 'node:child_process';
import { kernelOutcome } from '../pxe-client/kernel-outcome.js';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { promisify } from 'node:util';
import type { PxeBootResult } from '../pxe-client/pxe-client.js';
import { assertLoopbackUrl } from './utility-boot.js';

const run = promisify(execFile);

/** Where GRUB looks for its config on an ISO grub-mkrescue made. */
export const GRUB_CONFIG_PATH = '/boot/grub/grub.cfg';
/** A stuck xorriso must not hold a boot forever; reading a few files off a local ISO takes well under 1 s. */
const XORRISO_TIMEOUT_MS = 30_000;

/** The one boot entry of a media grub.cfg. */
export interface GrubBootEntry {
  /** Menu title (the quoted word after `menuentry`). */
  readonly title: string;
  /** Absolute path on the ISO of the kernel (`linux <path>`). */
  readonly kernelPath: string;
  /** Absolute paths on the ISO of the initrds (`initrd <path…>`), in order; empty without an initrd line. */
  readonly initrdPaths: readonly string[];
  /** The kernel command line, split at whitespace. */
  readonly kernelArgs: readonly string[];
}

/** GRUB would quote, expand or split on these; the contract has none, so a line holding one is refused. */
const UNSUPPORTED = /['"\\$;{}`]/;
/** Lines the contract allows besides the menu entry and its `linux`/`initrd`: variables and modules. */
const HARMLESS = /^(set\s+\w+=\S*|insmod\s+[\w-]+)$/;
/** `menuentry '<title>' [--options] {` (either quote); the body follows on its own lines. */
const MENUENTRY = /^menuentry\s+(?:'([^']*)'|"([^"]*)")((?:\s+[^\s{}'"\\$;`]+)*)\s*\{$/;

/**
 * Reads the one boot entry of a media grub.cfg (pure). Thrown, naming the line, on anything
 * outside the contract: no or several menu entries, nested or unclosed ones, a missing or second
 * `linux` line, a relative path, quoting or variables, a command the lab does not know.
 */
export function parseGrubConfig(text: string): GrubBootEntry {
  const entries: { title: string; line: number; body: { line: number; words: string[] }[] }[] = [];
  let open: (typeof entries)[number] | undefined;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const n = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/^(menuentry|submenu)\b/.test(line)) {
      if (open !== undefined) throw new Error(`grub.cfg line ${n}: nested ${line.split(/\s/)[0]} is not supported`);
      const header = MENUENTRY.exec(line);
      if (header === null)
        throw new Error(
          `grub.cfg line ${n}: cannot read "${line}" (expected: menuentry '<title>' {, body on its own lines)`,
        );
      open = { title: header[1] ?? header[2] ?? '', line: n, body: [] };
      entries.push(open);
      continue;
    }
    if (line === '}') {
      if (open === undefined) throw new Error(`grub.cfg line ${n}: "}" closes no menuentry`);
      open = undefined;
      continue;
    }
    if (UNSUPPORTED.test(line))
      throw new Error(`grub.cfg line ${n}: quoting, variables, ';' and braces are not supported: "${line}"`);
    const words = line.split(/\s+/);
    if (words.some((w) => w.startsWith('#')))
      throw new Error(`grub.cfg line ${n}: trailing comments are not supported`);
    if (HARMLESS.test(line)) continue;
    const command = words[0] ?? '';
    if (open === undefined || (command !== 'linux' && command !== 'initrd'))
      throw new Error(
        `grub.cfg line ${n}: "${line}" is outside the media boot contract (menuentry with linux and initrd; set, insmod)`,
      );
    open.body.push({ line: n, words });
  }
  if (open !== undefined) throw new Error(`grub.cfg line ${open.line}: menuentry '${open.title}' is never closed`);
  if (entries.length !== 1) throw new Error(`grub.cfg must hold exactly one menuentry; found ${entries.length}`);
  const [entry] = entries as [(typeof entries)[number]];

  const commands = (name: string) => entry.body.filter((b) => b.words[0] === name);
  const linux = commands('linux');
  const initrd = commands('initrd');
  if (linux.length !== 1)
    throw new Error(`menuentry '${entry.title}' must have exactly one linux line; found ${linux.length}`);
  if (initrd.length > 1) throw new Error(`menuentry '${entry.title}' has ${initrd.length} initrd lines; GRUB uses one`);
  const [kernelPath, ...kernelArgs] = linux[0]!.words.slice(1);
  const initrdPaths = initrd[0]?.words.slice(1) ?? [];
  if (kernelPath === undefined) throw new Error(`grub.cfg line ${linux[0]!.line}: linux names no kernel`);
  if (initrd[0] !== undefined && initrdPaths.length === 0)
    throw new Error(`grub.cfg line ${initrd[0].line}: initrd names no file`);
  for (const path of [kernelPath, ...initrdPaths])
    if (!path.startsWith('/')) throw new Error(`grub.cfg: ${path} is not an absolute path on the ISO`);
  return { title: entry.title, kernelPath, initrdPaths, kernelArgs };
}

/** Options of {@link bootFromMedia}. */
export interface MediaBootOptions {
  /** URL of the ISO in the virtual CD (the `Image` InsertMedia was given); loopback only. */
  readonly imageUrl: string;
  /** Absolute directory for the image and the files read off it; emptied first, then kept for inspection. */
  readonly workDir: string;
  /** Also fetch the Talos machine config from `talos.config=` (what a booting Talos does). */
  readonly fetchConfig?: boolean;
  readonly fetch?: typeof globalThis.fetch;
  /** Aborts the downloads and xorriso (power-off). */
  readonly signal?: AbortSignal;
}

/** What the machine booted off the CD: {@link PxeBootResult}'s shape, without firmware or local disk. */
export interface MediaBootResult extends Omit<PxeBootResult, 'outcome' | 'firmware'> {
  readonly outcome: 'utility' | 'talos';
  /** What was read off the ISO (grub.cfg, kernel, initrds): its path there, size and SHA-256. */
  readonly files: readonly { path: string; bytes: number; sha256: string }[];
}

/** Thrown when a media boot breaks; `stage` says where (an operator's "GRUB says file not found"). */
export class MediaBootError extends Error {
  constructor(
    readonly stage: 'image' | 'iso' | 'grub' | 'config',
    message: string,
  ) {
    super(`media boot failed at ${stage}: ${message}`);
    this.name = 'MediaBootError';
  }
}

/** Boots from the ISO at `imageUrl` and returns what it booted. */
export async function bootFromMedia(opts: MediaBootOptions): Promise<MediaBootResult> {
  const fetchImpl = opts.fetch ?? globalThis.fetch;
  const { signal } = opts;
  checkLoopback(opts.imageUrl, 'image');
  if (!isAbsolute(opts.workDir)) throw new Error(`workDir must be absolute: ${opts.workDir}`);
  // Each boot reads its own CD: nothing of an earlier boot's image may be taken for this one's.
  await rm(opts.workDir, { recursive: true, force: true });
  await mkdir(opts.workDir, { recursive: true });

  const downloads: { url: string; bytes: number; sha256: string }[] = [];
  const iso = join(opts.workDir, 'media.iso');
  downloads.push(await downloadTo(fetchImpl, opts.imageUrl, iso, signal));
  if (downloads[0]!.bytes === 0) throw new MediaBootError('image', `${opts.imageUrl} is empty`);

  const grubFile = join(opts.workDir, 'grub.cfg');
  await extract(iso, [[GRUB_CONFIG_PATH, grubFile]], signal);
  let entry: GrubBootEntry;
  try {
    entry = parseGrubConfig(await readFile(grubFile, 'utf8'));
  } catch (err) {
    throw new MediaBootError('grub', (err as Error).message);
  }
  const loads: [string, string][] = [
    [entry.kernelPath, join(opts.workDir, 'kernel')],
    ...entry.initrdPaths.map((path, i): [string, string] => [path, join(opts.workDir, `initrd-${i}`)]),
  ];
  await extract(iso, loads, signal);
  const files = [{ path: GRUB_CONFIG_PATH, ...(await fileDigest(grubFile)) }];
  for (const [path, file] of loads) {
    const digest = await fileDigest(file);
    if (digest.bytes === 0) throw new MediaBootError('iso', `${path} on the ISO is empty`);
    files.push({ path, ...digest });
  }
  // The BMC keeps its own copy; the machine needs only what it loaded.
  await rm(iso, { force: true });

  const args = entry.kernelArgs;
  const { outcome, configUrl } = readKernelOutcome(args);
  let machineConfig: string | undefined;
  if (opts.fetchConfig && configUrl !== undefined) {
    checkLoopback(configUrl, 'config');
    const res = await fetchImpl(configUrl, { signal });
    if (res.status !== 200) throw new MediaBootError('config', `GET ${configUrl} answered ${res.status}`);
    const body = Buffer.from(await res.arrayBuffer());
    downloads.push({ url: configUrl, bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
    machineConfig = body.toString('utf8');
  }
  return { outcome, kernelArgs: args, configUrl, machineConfig, downloads, files };
}

/** What the kernel args boot, read as `pxeBoot` reads them. */
function readKernelOutcome(args: readonly string[]): { outcome: MediaBootResult['outcome']; configUrl?: string } {
  const read = kernelOutcome(args);
  if ('error' in read) throw new MediaBootError('grub', read.error);
  return read;
}

function checkLoopback(url: string, stage: MediaBootError['stage']): void {
  try {
    assertLoopbackUrl(url);
  } catch (err) {
    throw new MediaBootError(stage, (err as Error).message);
  }
}

/** Streams `url` into `file` (an ISO may be large), hashing on the way. */
async function downloadTo(
  fetchImpl: typeof globalThis.fetch,
  url: string,
  file: string,
  signal: AbortSignal | undefined,
): Promise<{ url: string; bytes: number; sha256: string }> {
  const res = await fetchImpl(url, { signal });
  if (res.status !== 200 || res.body === null) {
    await res.body?.cancel();
    throw new MediaBootError('image', `GET ${url} answered ${res.status}`);
  }
  const hash = createHash('sha256');
  let bytes = 0;
  await pipeline(
    Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        hash.update(chunk);
        bytes += chunk.length;
        yield chunk;
      }
    },
    createWriteStream(file),
    { signal },
  );
  return { url, bytes, sha256: hash.digest('hex') };
}

/** Copies `[isoPath, file]` pairs off the ISO with one xorriso run; a missing path fails it. */
async function extract(
  iso: string,
  pairs: readonly [string, string][],
  signal: AbortSignal | undefined,
): Promise<void> {
  const args = ['-osirrox', 'on', '-indev', iso, ...pairs.flatMap(([path, file]) => ['-extract', path, file])];
  try {
    await run('xorriso', args, { timeout: XORRISO_TIMEOUT_MS, signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    const { code, stderr } = err as { code?: unknown; stderr?: string };
    if (code === 'ENOENT') throw new MediaBootError('iso', 'xorriso is not installed (apt-get install xorriso)');
    // xorriso says what went wrong on its FAILURE/SORRY lines, among much chatter.
    const why = (stderr ?? '').split('\n').filter((l) => /: (FAILURE|SORRY) :/.test(l));
    const paths = pairs.map(([path]) => path).join(', ');
    throw new MediaBootError('iso', `cannot read ${paths} off the image: ${why.join('; ') || (err as Error).message}`);
  }
}

async function fileDigest(file: string): Promise<{ bytes: number; sha256: string }> {
  const { size } = await stat(file);
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return { bytes: size, sha256: hash.digest('hex') };
}
