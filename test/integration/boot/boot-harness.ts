/**
 * Builders for the boot-services integration tests: a boot server on loopback port 0 with a real
 * artifact cache in a temp dir, capturing boot events and log lines.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ArtifactCache } from '../../../agent/boot/artifact-cache.js';
import type { BootEvent } from '../../../agent/boot/boot-events.js';
import { BootPlanRegistry } from '../../../agent/boot/boot-plans.js';
import { startBootServer, type RunningBootServer } from '../../../agent/boot/http-boot-server.js';
import type { UtilityImage } from '../../../agent/boot/ipxe-script.js';
import { createLogger, type Logger } from '../../../shared/logger.js';

export const TOKEN_A = 'cfgtok_AAAAAAAAAAAAAAAAAAAAAAAA';
export const UTILITY: UtilityImage = {
  kernel: 'utility-vmlinuz',
  initrd: 'utility-initrd.img',
  sshAuthorizedKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ6Nv0dG4Y9sWq agent@lab',
};

/** A logger whose JSON lines are kept in memory. */
export function memoryLogger(component = 'boot-test'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger(component, { level: 'debug', destination }), lines };
}

/** Writes `content` as artifact `name` into `dir` and returns its SHA-256. */
export async function writeArtifact(dir: string, name: string, content: Buffer): Promise<string> {
  await writeFile(join(dir, name), content);
  return createHash('sha256').update(content).digest('hex');
}

export interface BootHarness {
  readonly server: RunningBootServer;
  readonly plans: BootPlanRegistry;
  readonly cache: ArtifactCache;
  readonly cacheDir: string;
  readonly events: BootEvent[];
  readonly configFetches: string[];
  readonly logLines: string[];
  close(): Promise<void>;
}

/** Starts a boot server on 127.0.0.1 with an empty artifact cache, a config source per asset, and `plans` (default: empty). */
export async function startBootHarness(
  configs: Record<string, string> = {},
  plans: BootPlanRegistry = new BootPlanRegistry(),
): Promise<BootHarness> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'rackpilot-boot-'));
  const cache = new ArtifactCache({ dir: cacheDir });
  const events: BootEvent[] = [];
  const configFetches: string[] = [];
  const { logger, lines } = memoryLogger();
  const server = await startBootServer({
    host: '127.0.0.1',
    port: 0,
    plans,
    artifacts: cache,
    utility: UTILITY,
    logger,
    onBootEvent: (event) => {
      events.push(event);
    },
    fetchMachineConfig: async (assetId) => {
      configFetches.push(assetId);
      const config = configs[assetId];
      if (config === undefined) throw new Error(`no config for ${assetId}`);
      return config;
    },
  });
  return {
    server,
    plans,
    cache,
    cacheDir,
    events,
    configFetches,
    logLines: lines,
    close: async () => {
      await server.close();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}

/** A loopback HTTP file server (the "mirror" artifacts are downloaded from); counts requests per path. */
export async function startFileServer(files: Record<string, Buffer>): Promise<{
  url: string;
  hits: Map<string, number>;
  close(): Promise<void>;
}> {
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const body = files[path];
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    // Slow the body down a little so concurrent ensures really overlap.
    res.writeHead(200, { 'content-length': body.length });
    res.write(body.subarray(0, 1));
    setTimeout(() => res.end(body.subarray(1)), 50);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
