import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type Koa from 'koa';
import { expect } from 'vitest';
import { API_KEY_PATTERN } from '../../../api/auth/api-key-format.js';
import { createApp } from '../../../api/app.js';
import { createContainer, type Container } from '../../../api/container.js';
import type { Database } from '../../../db/database.js';
import type { RouteModule } from '../../../api/routes/index.js';
import { bootstrapOrganization } from '../../../api/services/bootstrap.js';
import { createLogger } from '../../../shared/logger.js';
import { buildApiConfig } from '../../factories.js';
import { freshDatabase, mongoUri, temporalAddress } from '../../support/services.js';

/** Every log line written by every API instance of a test file. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== ''),
    );
    done();
  }
}

/** One API instance listening on a loopback port 0, over a shared test database. */
export interface TestApi {
  url: string;
  app: Koa;
  container: Container;
  /** Sends a request; records any API key in the response so the log check can look for it. */
  request(
    method: string,
    path: string,
    options?: { key?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  text: string;
}

/** A test file's world: one fresh database, any number of API instances on it, captured logs. */
export class ApiHarness {
  readonly logs = new LogCapture();
  readonly secrets = new Set<string>();
  private readonly apis: TestApi[] = [];
  private database?: Awaited<ReturnType<typeof freshDatabase>>;

  /** Opens the database (call in beforeAll). */
  async open(prefix: string): Promise<this> {
    this.database = await freshDatabase(prefix);
    return this;
  }

  /** Starts an API instance. `env` overrides configuration; `now` replaces the clock. */
  async start(
    options: {
      env?: Record<string, string>;
      now?: () => Date;
      extraModules?: RouteModule[];
      rateLimitMaxBatch?: number;
      db?: Database;
      skipIndexes?: boolean;
    } = {},
  ): Promise<TestApi> {
    if (!this.database) throw new Error('open() first');
    const config = buildApiConfig({ MONGODB_URI: mongoUri(), TEMPORAL_ADDRESS: temporalAddress(), ...options.env });
    const log = createLogger('api', { level: 'debug', destination: this.logs });
    const container = createContainer({
      config,
      log,
      db: options.db ?? this.database.db,
      ...(options.now ? { now: options.now } : {}),
      ...(options.rateLimitMaxBatch ? { rateLimitMaxBatch: options.rateLimitMaxBatch } : {}),
    });
    if (!options.skipIndexes) await container.ensureIndexes();
    const app = createApp(container, options.extraModules ? { extraModules: options.extraModules } : {});
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const api: TestApi = {
      url,
      app,
      container,
      request: (method, path, opts = {}) => this.send(url, method, path, opts),
      close: async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await container.close();
      },
    };
    this.apis.push(api);
    return api;
  }

  /** Creates an organization with an admin key through the exported bootstrap function. */
  async organization(api: TestApi, name = 'Acme'): Promise<{ orgId: string; adminKey: string; adminKeyId: string }> {
    const result = await bootstrapOrganization(api.container, { name, allowAdditional: true });
    this.secrets.add(result.apiKey);
    return { orgId: result.organization.id, adminKey: result.apiKey, adminKeyId: result.keyId };
  }

  /** Creates a key of `role` with the admin key; returns the full key and its id. */
  async key(
    api: TestApi,
    adminKey: string,
    role: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ key: string; id: string }> {
    const res = await api.request('POST', '/api/v1/api-keys', {
      key: adminKey,
      body: { name: `${role} key`, role, ...extra },
    });
    expect(res.status, res.text).toBe(201);
    return { key: res.body.key, id: res.body.id };
  }

  /** Workflows a test file started on a queue no worker polls; `finish()` terminates them. */
  readonly started: string[] = [];

  /** Creates a site with `key` and returns its id; its one-time enrollment token joins the secrets. */
  async site(api: TestApi, key: string, name: string): Promise<string> {
    const res = await api.request('POST', '/api/v1/sites', { key, body: { name } });
    expect(res.status, res.text).toBe(201);
    this.secrets.add(res.body.enrollmentToken);
    return res.body.id;
  }

  /** The end of a test file: terminates the started workflows, checks no secret was logged, closes. */
  async finish(api: TestApi): Promise<void> {
    if (this.started.length > 0) {
      const client = await api.container.temporal();
      for (const id of this.started)
        await client.workflow
          .getHandle(id)
          .terminate('test over')
          .catch(() => undefined);
    }
    this.assertNoSecretsLogged();
    await this.close();
  }

  /** Fails when any captured log line holds any full key or key secret seen in the run. */
  assertNoSecretsLogged(): void {
    expect(this.logs.lines.length).toBeGreaterThan(0);
    for (const secret of this.secrets) {
      // An API key's secret is its 40-character tail (the key id may be logged); anything else is checked whole.
      const secretPart = API_KEY_PATTERN.exec(secret)?.[2] ?? secret;
      const leaks = this.logs.lines.filter((line) => line.includes(secretPart));
      expect(leaks, `secret of ${secret.slice(0, 16)}… in logs`).toEqual([]);
    }
  }

  /** Closes every instance and drops the database (call in afterAll). */
  async close(): Promise<void> {
    for (const api of this.apis) await api.close();
    await this.database?.close();
  }

  private async send(
    url: string,
    method: string,
    path: string,
    opts: { key?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<TestResponse> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.key) headers.authorization = `Bearer ${opts.key}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (metrics text, empty 204): `text` has it.
    }
    const key = (parsed as { key?: unknown } | undefined)?.key;
    if (typeof key === 'string') this.secrets.add(key);
    return { status: res.status, headers: res.headers, body: parsed, text };
  }
}
