/**
 * The dashboard in a real browser (Debian's Chromium, driven by playwright-core) against the real
 * stack on the simulated lab: the API serving the built UI, Temporal, the worker, the agent and
 * one lab server. Everything a person does here goes through the page; REST calls only set up
 * keys and cross-check what the page said. Screenshots land in test-results/dashboard/.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ensureUiBuild } from '../../tools/setup/ui-build.js';
import { expectDiscovered, startRestLabStack, type RestLabStack } from './lab-stack.js';

const CHROMIUM = '/usr/bin/chromium';
// This file's node IP: the lab's Talos node listens on it (50000, 50001, 6443).
const NODE_IP = '127.10.0.180';
const CLUSTER = 'dash-one';
const SHOTS = fileURLToPath(new URL('../../test-results/dashboard/', import.meta.url));
const PROVISION_TIMEOUT_MS = 240_000;

/** What a browser context saw that it must not: requests off loopback, CSP refusals, page errors, unkeyed API calls. */
interface Watch {
  offLoopback: string[];
  problems: string[];
  unkeyedApiCalls: string[];
}

describe('the dashboard in Chromium, against the real stack on a one-server lab', () => {
  let stack: RestLabStack;
  let browser: Browser;
  let adminKey: string;
  let viewerKey: string;
  let clusterId: string;
  const contexts: { context: BrowserContext; watch: Watch }[] = [];
  let admin: Page;

  /** A fresh browser context (its own session storage) whose every request is watched. */
  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, acceptDownloads: true });
    const watch: Watch = { offLoopback: [], problems: [], unkeyedApiCalls: [] };
    contexts.push({ context, watch });
    // Nothing but the stack on loopback: anything else is refused and recorded.
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1') return route.continue();
      watch.offLoopback.push(url.href);
      return route.abort();
    });
    const page = await context.newPage();
    page.on('pageerror', (err) => watch.problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) watch.problems.push(`CSP: ${msg.text()}`);
    });
    page.on('request', (req) => {
      const url = new URL(req.url());
      if (url.pathname.startsWith('/api/') && !/^Bearer rp_/.test(req.headers().authorization ?? ''))
        watch.unkeyedApiCalls.push(url.pathname);
      if (url.search.includes('rp_')) watch.unkeyedApiCalls.push(`key in URL: ${url.pathname}`);
    });
    return page;
  }

  async function signIn(page: Page, key: string, role: string): Promise<void> {
    await page.goto(`${stack.api.url}/`);
    expect(new URL(page.url()).pathname).toBe('/ui/');
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator(`header.top [data-role="${role}"]`).waitFor();
    await page.locator('header.top [data-live="live"]').waitFor();
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const heading = (page: Page) => page.locator('main h1');

  beforeAll(async () => {
    await ensureUiBuild(() => undefined);
    await mkdir(SHOTS, { recursive: true });
    stack = await startRestLabStack('e2e-dashboard', { machines: 1 });
    const issue = async (role: string) => {
      const res = await stack.call('POST', '/api/v1/api-keys', { name: `dashboard ${role}`, role });
      expect(res.status, res.text).toBe(201);
      return res.body.key as string;
    };
    adminKey = await issue('admin');
    viewerKey = await issue('viewer');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    await expectDiscovered(stack);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('signs in with an admin key and lists the lab’s asset with its state and inventory', async () => {
    admin = await newPage();
    await signIn(admin, adminKey, 'admin');
    const row = admin.locator(`table[aria-label="Assets"] tr[data-asset-id="${stack.assetIds[0]}"]`);
    await row.locator('[data-status="available"]').waitFor();
    await expect(row.textContent()).resolves.toContain('lab-01');
    const asset = (await stack.call('GET', `/api/v1/assets/${stack.assetIds[0]}`)).body;
    await expect(row.textContent()).resolves.toContain(asset.specs.ram);
    await shot(admin, 'assets');
  });

  it('shows the asset’s disks by serial and WWN, and the site’s agent online', async () => {
    await admin.getByRole('link', { name: 'lab-01' }).click();
    const disks = admin.locator('table[aria-label="Disks"]');
    await disks.waitFor();
    for (const disk of stack.lab.servers[0]!.disks) {
      const row = disks.locator(`tr[data-disk-serial="${disk.serial}"]`);
      await row.waitFor();
      if (disk.wwn) await expect(row.textContent()).resolves.toContain(disk.wwn);
    }
    await admin.locator('h2', { hasText: 'Wipe reports' }).waitFor();
    await shot(admin, 'asset-detail');

    await admin.getByRole('navigation').getByRole('link', { name: 'Sites' }).click();
    await admin.locator(`tr[data-site-id="${stack.siteId}"] [data-status="online"]`).waitFor();
    await shot(admin, 'sites');
  });

  it(
    'creates a cluster through the form: the dry-run plan first, then submit, then watches it go ready',
    async () => {
      await admin.getByRole('navigation').getByRole('link', { name: 'Clusters' }).click();
      await admin.getByRole('link', { name: 'New cluster' }).click();
      await admin.getByLabel('Name', { exact: true }).fill(CLUSTER);
      await admin.getByLabel('Gateway').fill(stack.lab.network.gateway);
      await admin.getByLabel('Prefix length').fill('24');
      await admin.getByLabel('Asset of node 1').selectOption(stack.assetIds[0]!);
      await admin.getByLabel('IP of node 1').fill(NODE_IP);
      await expect(admin.getByRole('button', { name: 'Create cluster' }).count()).resolves.toBe(0);
      await admin.getByRole('button', { name: 'Review plan' }).click();

      const plan = admin.locator('section[aria-label="Plan"][data-plan-valid="true"]');
      await plan.waitFor();
      const planned = await plan.locator('table[aria-label="Planned nodes"]').textContent();
      expect(planned).toContain(`${NODE_IP}/24`);
      expect(planned).toContain('controlplane');
      // The install disk the API chose: one of the server's own, by serial.
      const serials = stack.lab.servers[0]!.disks.map((d) => d.serial);
      expect(serials.some((s) => planned!.includes(s))).toBe(true);
      expect(await plan.locator('ol.plan-steps li').count()).toBeGreaterThan(3);
      // The dry run changed nothing.
      expect((await stack.call('GET', '/api/v1/clusters')).body.total).toBe(0);
      await shot(admin, 'cluster-plan');

      // A changed value discards the reviewed plan; restoring it needs a new review.
      await admin.getByLabel('IP of node 1').fill('127.10.0.181');
      await expect(admin.getByRole('button', { name: 'Create cluster' }).count()).resolves.toBe(0);
      await admin.getByLabel('IP of node 1').fill(NODE_IP);
      await admin.getByRole('button', { name: 'Review plan' }).click();
      await plan.waitFor();
      await admin.getByRole('button', { name: 'Create cluster' }).click();

      await admin.waitForURL(/#\/clusters\/clu_[0-9a-f]{16}$/);
      clusterId = decodeURIComponent(new URL(admin.url()).hash.split('/')[2]!);
      await admin.locator('.timeline [data-step-status="completed"]').first().waitFor({ timeout: 60_000 });
      await shot(admin, 'cluster-provisioning');

      await heading(admin).locator('[data-status="ready"]').waitFor({ timeout: PROVISION_TIMEOUT_MS });
      const timeline = admin.locator('.timeline[data-workflow-status="completed"]');
      await timeline.waitFor({ timeout: 30_000 });
      const statuses = await timeline
        .locator('li.step')
        .evaluateAll((items) => items.map((li) => li.getAttribute('data-step-status')));
      expect(statuses.length).toBeGreaterThan(3);
      expect(statuses.every((s) => s === 'completed' || s === 'skipped')).toBe(true);
      const cluster = (await stack.call('GET', `/api/v1/clusters/${clusterId}`)).body;
      expect(cluster).toMatchObject({ name: CLUSTER, status: 'ready', kubeconfigAvailable: true });
      await shot(admin, 'cluster-ready');
    },
    PROVISION_TIMEOUT_MS + 60_000,
  );

  it('downloads the kubeconfig, which names the cluster and reaches its Kubernetes API with kubectl', async () => {
    const [download] = await Promise.all([
      admin.waitForEvent('download'),
      admin.getByRole('button', { name: 'Download kubeconfig' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${CLUSTER}-kubeconfig.yaml`);
    const file = await download.path();
    const kubeconfig = parse(await readFile(file, 'utf8')) as {
      clusters: { name: string; cluster: { server: string } }[];
      contexts: { context: { cluster: string } }[];
    };
    expect(kubeconfig.clusters.map((c) => c.name)).toEqual([CLUSTER]);
    expect(kubeconfig.contexts[0]!.context.cluster).toBe(CLUSTER);
    expect(kubeconfig.clusters[0]!.cluster.server).toContain(NODE_IP);
    const readyz = await promisify(execFile)('kubectl', ['--kubeconfig', file, 'get', '--raw', '/readyz'], {
      timeout: 30_000,
    });
    expect(readyz.stdout.trim()).toBe('ok');

    await admin.getByRole('navigation').getByRole('link', { name: 'Workflows' }).click();
    await admin.locator('table[aria-label="Workflows"] [data-status="completed"]').first().waitFor();
    await expect(admin.locator('table[aria-label="Workflows"]').textContent()).resolves.toContain('cluster-provision');
    await shot(admin, 'workflows');
  });

  it('shows a viewer key every page without one mutating control', async () => {
    const viewer = await newPage();
    await signIn(viewer, viewerKey, 'viewer');
    const pages: [string, string][] = [
      ['assets', `table[aria-label="Assets"] tr[data-asset-id="${stack.assetIds[0]}"]`],
      [`assets/${stack.assetIds[0]}`, 'table[aria-label="Disks"]'],
      ['clusters', `tr[data-cluster-name="${CLUSTER}"]`],
      [`clusters/${clusterId}`, '.timeline[data-workflow-status="completed"]'],
      ['workflows', 'table[aria-label="Workflows"]'],
      ['sites', `tr[data-site-id="${stack.siteId}"]`],
    ];
    for (const [route, ready] of pages) {
      await viewer.goto(`${stack.api.url}/ui/#/${route}`);
      await viewer.locator(ready).first().waitFor();
      const buttons = await viewer.getByRole('button').allTextContents();
      expect(
        buttons.map((b) => b.trim()),
        route,
      ).toEqual(['Sign out']);
      expect(await viewer.getByRole('link', { name: 'New cluster' }).count(), route).toBe(0);
    }
    await viewer.goto(`${stack.api.url}/ui/#/clusters/${clusterId}`);
    await heading(viewer).locator('[data-status="ready"]').waitFor();
    await shot(viewer, 'viewer-cluster');
    await viewer.goto(`${stack.api.url}/ui/#/clusters/new`);
    await viewer.getByText('cannot create clusters').waitFor();
  });

  it(
    'deletes the cluster after its name is typed into the confirmation, and watches it go',
    async () => {
      await admin.goto(`${stack.api.url}/ui/#/clusters/${clusterId}`);
      await admin.getByRole('button', { name: 'Delete cluster' }).click();
      const dialog = admin.getByRole('dialog');
      await dialog.waitFor();
      const confirm = dialog.getByRole('button', { name: 'Delete cluster' });
      expect(await confirm.isDisabled()).toBe(true);
      await dialog.getByLabel(/to confirm/).fill('dash-on');
      expect(await confirm.isDisabled()).toBe(true);
      await dialog.getByLabel(/to confirm/).fill(CLUSTER);
      await shot(admin, 'cluster-delete-confirm');
      await confirm.click();

      await heading(admin).locator('[data-status="deleted"]').waitFor({ timeout: PROVISION_TIMEOUT_MS });
      await admin.locator('.timeline[data-workflow-status="completed"]').waitFor({ timeout: 30_000 });
      await expect(admin.locator('.timeline h2').textContent()).resolves.toContain('cluster-delete');
      expect(await admin.getByRole('button', { name: 'Delete cluster' }).count()).toBe(0);
      await shot(admin, 'cluster-deleted');
      const asset = (await stack.call('GET', `/api/v1/assets/${stack.assetIds[0]}`)).body;
      expect(asset).toMatchObject({ status: 'available', clusterId: null });
    },
    PROVISION_TIMEOUT_MS + 60_000,
  );

  it(
    'wipes the freed asset from its page after its hostname is typed, and lists the wipe there',
    async () => {
      await admin.goto(`${stack.api.url}/ui/#/assets/${stack.assetIds[0]}`);
      await heading(admin).locator('[data-status="available"]').waitFor();
      // The cluster delete wiped every disk of the node: its verified reports are on the asset's page.
      const disks = admin.locator('table[aria-label="Disk wipe reports"] tbody tr');
      await disks.first().waitFor();
      expect(await disks.count()).toBe(stack.lab.servers[0]!.disks.length);
      expect(await disks.locator('[data-status="verified"]').count()).toBe(await disks.count());
      await admin.getByRole('button', { name: 'Wipe disks' }).click();
      const dialog = admin.getByRole('dialog');
      await dialog.getByLabel(/to confirm/).fill('lab-01');
      await dialog.getByRole('button', { name: 'Wipe disks' }).click();

      await admin.waitForURL(/#\/workflows\/.+/);
      await admin.locator('.timeline[data-workflow-status="completed"]').waitFor({ timeout: PROVISION_TIMEOUT_MS });
      await shot(admin, 'wipe-workflow');
      await admin.goto(`${stack.api.url}/ui/#/assets/${stack.assetIds[0]}`);
      const wipes = admin.locator('table[aria-label="Wipe workflows"]');
      await wipes.locator('[data-status="completed"]').first().waitFor();
      await expect(wipes.textContent()).resolves.toContain('disk-wipe');
      await shot(admin, 'asset-wiped');
    },
    PROVISION_TIMEOUT_MS + 30_000,
  );

  it('kept to loopback, broke no Content-Security-Policy rule, sent the key with every API call and logged none', () => {
    for (const { watch } of contexts) {
      expect(watch.offLoopback).toEqual([]);
      expect(watch.problems).toEqual([]);
      expect(watch.unkeyedApiCalls).toEqual([]);
    }
    stack.harness.assertNoSecretsLogged();
  });
});
