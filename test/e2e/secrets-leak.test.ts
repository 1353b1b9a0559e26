import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoClusterRequest } from '../../tools/dev/welcome.js';
import { expectDiscovered, startRestLabStack, type RestLabStack } from './lab-stack.js';

// Node IP of this file only (each lab Talos node listens on its IP).
const NODE_IPS = ['127.10.0.160'];

/** Every place a secret could end up outside the stores that exist to keep it. */
interface Evidence {
  name: string;
  text: string;
}

/** The base64 `data` of every payload in a history's JSON, decoded: a payload the codec did not encrypt shows here. */
function decodedPayloads(json: string): string[] {
  return [...json.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('latin1'));
}

// Issue 18's secrets check: one run of the product with known secret values (API keys, the agent's
// credential, a BMC password, a webhook secret, the cluster's credentials and its kubeconfig), then
// every log line the processes wrote and every exported Temporal history of the run is searched.
describe('secrets stay where they belong: not in logs, not in Temporal histories', () => {
  let stack: RestLabStack;

  beforeAll(async () => {
    stack = await startRestLabStack('secrets', {
      machines: 1,
      env: { RACKPILOT_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8' },
    });
  });
  afterAll(async () => stack?.stop());

  it('leaves no secret value in any log line or exported workflow history of a discovery, cluster create and delete', async () => {
    await expectDiscovered(stack);
    const secrets = new Map<string, string>();
    const keep = (name: string, value: string | undefined) => {
      expect(value, name).toBeTruthy();
      expect(value!.length, `${name} is long enough not to match by chance`).toBeGreaterThanOrEqual(10);
      secrets.set(name, value!);
    };

    // API keys: a new operator key, rotated (both secrets count); the admin key of the run.
    const issued = await stack.call('POST', '/api/v1/api-keys', { name: 'leak check', role: 'operator' });
    expect(issued.status, issued.text).toBe(201);
    const rotated = await stack.call('POST', `/api/v1/api-keys/${issued.body.id}/rotate`);
    expect(rotated.status, rotated.text).toBe(200);
    // An API key's secret is its tail; the key id before it is public and logged.
    const keySecret = (key: string) => key.split('_')[2];
    keep('operator key', keySecret(issued.body.key));
    keep('operator key after rotation', keySecret(rotated.body.key));
    const me = await stack.call('GET', '/api/v1/me');
    expect(me.status).toBe(200);

    // The agent's own credential, as it saved it.
    const credential = JSON.parse(await readFile(join(stack.dir, 'agent', 'credential.json'), 'utf8')) as {
      apiKey: string;
    };
    keep('agent credential', keySecret(credential.apiKey));
    keep('BMC password', stack.lab.servers[0]!.bmc.password);

    const webhookSecret = 'whsec-known-leak-check-0123456789';
    const webhook = await stack.call('POST', '/api/v1/webhooks', {
      url: 'http://127.0.0.1:9/leak-check',
      events: ['asset.*', 'workflow.*'],
      secret: webhookSecret,
    });
    expect(webhook.status, webhook.text).toBe(201);
    keep('webhook secret', webhookSecret);

    const clusterPassword = 'cluster-credential-leak-check-42';
    const body = {
      ...demoClusterRequest({
        assetIds: stack.assetIds,
        lab: { gateway: stack.lab.network.gateway, freeIps: NODE_IPS },
      }),
      name: 'leak-check',
      credentials: { username: 'colony', password: clusterPassword },
    };
    keep('cluster credentials', clusterPassword);
    const created = await stack.call('POST', '/api/v1/clusters', body);
    expect(created.status, created.text).toBe(202);
    const clusterId = created.body.id as string;
    const provisioned = await stack.waitForWorkflow(created.body.workflowId, ['completed', 'failed'], 180_000);
    expect(provisioned.status).toBe('completed');
    const kubeconfig = await stack.call('GET', `/api/v1/clusters/${clusterId}/kubeconfig`);
    expect(kubeconfig.status).toBe(200);
    const clientKey = /client-key-data:\s*(\S+)/.exec(kubeconfig.text)?.[1];
    keep('kubeconfig client key', clientKey);
    // The PEM's body, whichever encoding a log might use.
    keep('kubeconfig client key (PEM)', Buffer.from(clientKey!, 'base64').toString('utf8').split('\n')[1]);

    const deleted = await stack.call('DELETE', `/api/v1/clusters/${clusterId}`);
    expect(deleted.status, deleted.text).toBe(202);
    expect((await stack.waitForWorkflow(deleted.body.workflowId, ['completed', 'failed'], 180_000)).status).toBe(
      'completed',
    );

    // Where to look: the API's (and its workers') log lines, the agent process's log, every history of the run.
    const evidence: Evidence[] = [
      { name: 'API log', text: stack.harness.logs.lines.join('\n') },
      { name: 'agent log', text: await readFile(join(stack.dir, 'agent.log'), 'utf8') },
    ];
    const client = await stack.api.container.temporal();
    let histories = 0;
    for await (const run of client.workflow.list({ query: `TaskQueue = '${stack.api.container.config.taskQueue}'` })) {
      const json = historyToJSON(await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory());
      evidence.push({ name: `history of ${run.workflowId}`, text: json });
      evidence.push({ name: `payloads of ${run.workflowId}`, text: decodedPayloads(json).join('\n') });
      histories += 1;
    }
    // Discovery, cluster create (+ its node run), cluster delete (+ its node wipe) at the least.
    expect(histories).toBeGreaterThanOrEqual(5);
    expect(evidence[1]!.text.length).toBeGreaterThan(0);

    // The search sees what is there: the cluster's id (not a secret) is in its histories and the logs.
    expect(evidence.filter((e) => e.text.includes(clusterId)).length).toBeGreaterThan(2);
    const hits = [...secrets].flatMap(([secret, value]) =>
      evidence.filter((e) => e.text.includes(value)).map((e) => `${secret} in ${e.name}`),
    );
    expect(hits).toEqual([]);
  });
});
