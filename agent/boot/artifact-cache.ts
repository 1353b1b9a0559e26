/**
 * The agent's cache of boot artifacts (kernels, initramfs, utility image). Each artifact is
 * downloaded once into a temporary file beside its final place, its SHA-256 checked while it
 * streams, and renamed into place only when it matches, so the boot server never serves a partial
 * or tampered file and a failed download leaves nothing behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { RackpilotError, ValidationError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { ARTIFACT_NAME_PATTERN } from './boot-validation.js';

/** An artifact to have in the cache: its file name, where to get it and its expected SHA-256 (hex). */
export interface ArtifactSpec {
  readonly name: string;
  /** Absolute URL, or a path resolved against the cache's `baseUrl`. */
  readonly url: string;
  readonly sha256: string;
}

/** Thrown when a downloaded artifact's SHA-256 differs from the expected one. Nothing is cached. */
export class ArtifactChecksumError extends RackpilotError {
  constructor(name: string, expected: string, actual: string) {
    super(`Checksum mismatch for artifact ${name}`, {
      code: 'ARTIFACT_CHECKSUM_MISMATCH',
      status: 502,
      details: { name, expected, actual },
    });
  }
}

/** Thrown when an artifact cannot be downloaded (HTTP error, network failure, too large). */
export class ArtifactDownloadError extends RackpilotError {
  constructor(name: string, reason: string, cause?: unknown) {
    super(`Could not download artifact ${name}: ${reason}`, {
      code: 'ARTIFACT_DOWNLOAD_FAILED',
      status: 502,
      details: { name, reason },
      cause,
    });
  }
}

export interface ArtifactCacheOptions {
  /** Directory holding the cached files (created if missing). */
  readonly dir: string;
  /** Base URL that relative artifact URLs resolve against (a mirror, or the lab's file server). */
  readonly baseUrl?: string;
  /** Injected `fetch` (defaults to the global one). */
  readonly fetch?: typeof globalThis.fetch;
  /** Largest artifact accepted, in bytes (default 1 GiB). */
  readonly maxBytes?: number;
  readonly logger?: Logger;
}

/** A cached artifact opened for serving. */
export interface OpenedArtifact {
  readonly size: number;
  readonly stream: Readable;
}

/** Cache of verified boot artifacts. */
export class ArtifactCache {
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly verified = new Set<string>();
  private readonly fetchImpl: typeof globalThis.fetch;

  constructor(private readonly options: ArtifactCacheOptions) {
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  /**
   * Makes sure the artifact is in the cache with the expected checksum and returns its path.
   * Concurrent calls for the same artifact share one download.
   * Thrown when the name or checksum is malformed: `ValidationError`; when the download's checksum
   * differs: `ArtifactChecksumError`; when it fails: `ArtifactDownloadError`.
   */
  ensure(spec: ArtifactSpec): Promise<string> {
    const name = spec.name;
    const sha256 = spec.sha256.toLowerCase();
    if (!ARTIFACT_NAME_PATTERN.test(name))
      return Promise.reject(new ValidationError('Invalid artifact name', { name }));
    if (!/^[0-9a-f]{64}$/.test(sha256)) return Promise.reject(new ValidationError('Invalid SHA-256', { name }));
    const key = `${name}@${sha256}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    const task = this.ensureOnce(name, spec.url, sha256, key).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, task);
    return task;
  }

  /** Returns the path an artifact has (or would have) in the cache. */
  pathOf(name: string): string {
    return join(this.options.dir, checkName(name));
  }

  /** Opens a cached artifact for reading, or returns `null` when it is not cached (or the name is invalid). */
  async open(name: string): Promise<OpenedArtifact | null> {
    if (!ARTIFACT_NAME_PATTERN.test(name)) return null;
    const path = join(this.options.dir, name);
    try {
      const info = await stat(path);
      if (!info.isFile()) return null;
      return { size: info.size, stream: createReadStream(path) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  private async ensureOnce(name: string, url: string, sha256: string, key: string): Promise<string> {
    const path = join(this.options.dir, name);
    await mkdir(this.options.dir, { recursive: true });
    if (this.verified.has(key) && (await exists(path))) return path;
    if ((await exists(path)) && (await sha256OfFile(path)) === sha256) {
      this.verified.add(key);
      return path;
    }
    await this.download(name, url, sha256, path);
    this.verified.add(key);
    return path;
  }

  private async download(name: string, url: string, sha256: string, path: string): Promise<void> {
    const source = this.resolve(name, url);
    const temp = join(this.options.dir, `.${name}.${randomBytes(6).toString('hex')}.part`);
    const maxBytes = this.options.maxBytes ?? 1024 ** 3;
    const started = Date.now();
    this.options.logger?.info({ artifact: name, url: source.toString() }, 'downloading boot artifact');
    let response: Response;
    try {
      response = await this.fetchImpl(source, { redirect: 'follow' });
    } catch (err) {
      throw new ArtifactDownloadError(name, 'request failed', err);
    }
    if (!response.ok || response.body === null) {
      throw new ArtifactDownloadError(name, `HTTP ${response.status}`);
    }
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > maxBytes) return done(new ArtifactDownloadError(name, `larger than ${maxBytes} bytes`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(
        Readable.fromWeb(response.body as WebReadableStream),
        meter,
        createWriteStream(temp, { flags: 'wx' }),
      );
      const actual = hash.digest('hex');
      if (actual !== sha256) throw new ArtifactChecksumError(name, sha256, actual);
      await rename(temp, path);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      if (err instanceof RackpilotError) throw err;
      throw new ArtifactDownloadError(name, 'transfer failed', err);
    }
    this.options.logger?.info({ artifact: name, bytes: size, ms: Date.now() - started }, 'boot artifact cached');
  }

  private resolve(name: string, url: string): URL {
    try {
      const resolved = new URL(url, this.options.baseUrl);
      if (resolved.protocol !== 'http:' && resolved.protocol !== 'https:') throw new Error('not http(s)');
      return resolved;
    } catch {
      throw new ValidationError('Invalid artifact URL', { name, url });
    }
  }
}

function checkName(name: string): string {
  if (!ARTIFACT_NAME_PATTERN.test(name)) throw new ValidationError('Invalid artifact name', { name });
  return name;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Returns the hex SHA-256 of a file, streaming it. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}
