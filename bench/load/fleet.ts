/**
 * Part A's running workflows: `count` real discovery workflows, started the way an operator starts
 * them — `POST /api/v1/sites`, then `POST /api/v1/assets` per server (each enrolment starts the
 * asset's discovery on Temporal) — spread over sites of at most 50 machines, each site with a
 * {@link HoldingAgent}. Every workflow claims its asset, queues its first agent job (`bmc.status`,
 * step "Check BMC credentials"), the site's agent claims it and keeps it in progress: the workflow
 * is running on the real worker, waiting on the agent, for as long as the bench needs.
 */
import { bootstrapOrganization } from '../../api/services/bootstrap.js';
import type { Container } from '../../api/container.js';
import type { WorkflowStatus } from '../../db/workflow-index-repository.js';
import { withTimeout } from '../../shared/with-timeout.js';
import { HoldingAgent } from './holding-agent.js';

/** Machines per site: one agent runs at most 64 jobs at once (RACKPILOT_AGENT_CONCURRENCY's maximum). */
const PER_SITE = 50;
/** Enrolments in flight at once. */
const ENROL_PARALLEL = 4;
/** Tries of one enrolment: FerretDB over SQLite answers concurrent writes `SQLITE_BUSY` (a 500) now and then. */
const ENROL_TRIES = 5;
const FINISHED: WorkflowStatus[] = ['completed', 'failed', 'cancelled'];

/** The running fleet. */
export interface Fleet {
  apiKey: string;
  agents: HoldingAgent[];
  /** Every enrolled asset's discovery workflow. */
  workflowIds: string[];
  /** Those that ended before reaching their agent job, with why (`step: reason`, from the index). */
  ended: Map<string, string>;
  /** Enrolments retried after a 5xx. */
  enrolRetries: number;
  /** Seconds from the first enrolment to the last workflow at its agent job (or ended). */
  startSeconds: number;
  /** How many of the workflows the index shows running now. */
  countRunning(): Promise<number>;
  /** Stops the agents; on a Temporal server of the user's, terminates the workflows too. */
  stop(): Promise<void>;
}

/** JSON call to the API with `key`; throws on a status of 300 or more. */
export async function rest(apiUrl: string, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/**
 * Starts `count` discovery workflows and resolves once each one's first job is held by its agent
 * or the workflow has ended (listed in `ended`). `ownTemporal`: the Temporal server is the dev
 * server this run started; `jobHeartbeatMs`: how often the agents heartbeat each job.
 */
export async function startFleet(
  container: Container,
  apiUrl: string,
  count: number,
  options: { ownTemporal: boolean; jobHeartbeatMs: number },
  stops: (() => Promise<void>)[],
): Promise<Fleet> {
  const { apiKey } = await bootstrapOrganization(container, { name: 'bench-load-workflows', allowAdditional: true });
  const index = container.repositories.workflows.collection;
  const fleet: Fleet = {
    apiKey,
    agents: [],
    workflowIds: [],
    ended: new Map(),
    enrolRetries: 0,
    startSeconds: NaN,
    countRunning: () => index.countDocuments({ _id: { $in: fleet.workflowIds }, status: 'running' }),
    async stop() {
      await Promise.all(fleet.agents.map((a) => a.stop()));
      // The dev server this run started goes away with its data; a server of the user's keeps no
      // bench workflow running (bounded: an interrupted run may have lost that server).
      if (!options.ownTemporal)
        await withTimeout(terminate(container, fleet.workflowIds), 30_000, 'Temporal').catch(() => 0);
    },
  };
  stops.push(() => fleet.stop());
  const bodies: Record<string, unknown>[] = [];
  for (let site = 0; site * PER_SITE < count; site += 1) {
    const created = await rest(apiUrl, apiKey, 'POST', '/api/v1/sites', { name: `load-${site}` });
    const agent = new HoldingAgent(apiUrl, `load-agent-${site}`, options.jobHeartbeatMs);
    fleet.agents.push(agent);
    await agent.start(String(created.enrollmentToken));
    for (let machine = 0; machine < Math.min(PER_SITE, count - site * PER_SITE); machine += 1)
      bodies.push({
        siteId: created.id,
        // Loopback addresses nothing listens on: only the agent would dial a BMC, and it runs no job.
        bmc: { driver: 'ipmi', address: `127.20.${site}.${machine + 10}`, username: 'admin', password: 'bench-load' },
        hostname: `load-${site}-${machine}`,
        labels: { bench: 'load' },
      });
  }
  const began = Date.now();
  await enrolAll(apiUrl, fleet, bodies);
  const held = () => fleet.agents.reduce((n, a) => n + a.jobsHeld, 0);
  for (const deadline = Date.now() + 5 * 60_000; held() + fleet.ended.size < count;) {
    if (Date.now() > deadline) throw new Error(`only ${held()} of ${count} workflows reached their agent job in 5 min`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const ended = await index.find({ _id: { $in: fleet.workflowIds }, status: { $in: FINISHED } }).toArray();
    for (const w of ended) fleet.ended.set(w._id, w.error ? `${w.error.step}: ${w.error.reason}` : w.status);
  }
  fleet.startSeconds = (Date.now() - began) / 1000;
  return fleet;
}

/** Enrols every body, a few at a time, retrying a 5xx (a failed enrolment removes its asset again: asset-service.ts). */
async function enrolAll(apiUrl: string, fleet: Fleet, bodies: Record<string, unknown>[]): Promise<void> {
  let next = 0;
  const enrol = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      for (let attempt = 1; ; attempt += 1) {
        try {
          const created = await rest(apiUrl, fleet.apiKey, 'POST', '/api/v1/assets', body);
          fleet.workflowIds.push(String(created.workflowId));
          break;
        } catch (err) {
          if (attempt >= ENROL_TRIES || !/→ 5\d\d/.test(String(err))) throw err;
          fleet.enrolRetries += 1;
          await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: ENROL_PARALLEL }, enrol));
}

/** Terminates the workflows, 16 at a time; returns how many Temporal accepted. */
async function terminate(container: Container, ids: string[]): Promise<number> {
  const client = await container.temporal();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      await client.workflow
        .getHandle(id)
        .terminate('bench:load is over')
        .then(() => (done += 1))
        .catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return done;
}
