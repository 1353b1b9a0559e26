/**
 * Agent jobs: the units of work a workflow hands to a site's agent through the bridge
 * (DESIGN.md "How an agent executes workflow steps"). Payloads carry references (asset ids,
 * cluster ids, disk identities), never secrets: they are stored in Temporal's history. The agent
 * fetches credentials for an asset of its own site from the API when it runs the job.
 */
import { z } from 'zod';
import { bmcHardwareSchema, inventorySchema } from './inventory.js';
import { wipeMethodSchema, wipeReportSchema, wipeTargetSchema } from './wipe-report.js';

const assetRef = { assetId: z.string().min(1) };
const mac = z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, 'lower-case colon MAC');
const ipv4 = z.ipv4();

/** Payload schema of every job kind. */
export const jobPayloadSchemas = {
  /** Check the BMC answers and the stored credentials work; read power state. */
  'bmc.status': z.object(assetRef),
  /** Change power state and wait until the BMC reports it. */
  'bmc.power': z.object({ ...assetRef, action: z.enum(['on', 'off', 'cycle', 'soft']) }),
  /** Set the next boot device (once) or the persistent one. */
  'bmc.bootdev': z.object({ ...assetRef, device: z.enum(['pxe', 'disk']), once: z.boolean(), efi: z.boolean() }),
  /**
   * Boot once from virtual media: build the ISO of the boot plan registered for the machine (its
   * first MAC's, else the asset's default plan), insert it into the BMC's virtual CD, next boot
   * from it. Redfish BMCs only.
   */
  'bmc.boot_media': z.object({ ...assetRef, macs: z.array(mac), efi: z.boolean() }),
  /** Register what the boot server answers to this machine's MACs. */
  'boot.prepare': z.object({
    ...assetRef,
    macs: z.array(mac),
    plan: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('utility') }),
      z.object({ kind: z.literal('local-disk') }),
      z.object({
        kind: z.literal('talos'),
        talosVersion: z.string().regex(/^v\d+\.\d+\.\d+$/),
        clusterId: z.string().min(1),
        staticIp: z.object({ ip: ipv4, prefix: z.number().int().min(1).max(32), gateway: ipv4 }).optional(),
      }),
    ]),
  }),
  /** Collect the hardware inventory from the utility OS over SSH. */
  'ssh.inventory': z.object({ ...assetRef, address: z.string().min(1) }),
  /** Erase and verify the listed disks (identities checked before any write). */
  'ssh.wipe': z.object({
    ...assetRef,
    address: z.string().min(1),
    mode: wipeMethodSchema,
    disks: z.array(wipeTargetSchema),
  }),
  /** Wait until the node's Talos API answers with the cluster's credentials. */
  'talos.waitApi': z.object({ ...assetRef, clusterId: z.string().min(1), nodeIp: ipv4 }),
  /** Bootstrap etcd on the first control plane (FailedPrecondition retried, AlreadyExists done). */
  'talos.bootstrap': z.object({ clusterId: z.string().min(1), nodeIp: ipv4 }),
  /** Fetch the admin kubeconfig; the API stores it encrypted and strips it from the result. */
  'talos.kubeconfig': z.object({ clusterId: z.string().min(1), nodeIp: ipv4 }),
  /** Wait for Kubernetes `/readyz` with the cluster's admin credentials. */
  'k8s.waitReady': z.object({ clusterId: z.string().min(1), endpoint: z.url() }),
} as const;

export type JobKind = keyof typeof jobPayloadSchemas;
export const JOB_KINDS = Object.keys(jobPayloadSchemas) as JobKind[];
export type JobPayload<K extends JobKind> = z.infer<(typeof jobPayloadSchemas)[K]>;

/** Result schema of every job kind, checked by the API before it completes the activity. */
export const jobResultSchemas = {
  'bmc.status': z.object({
    powerState: z.enum(['on', 'off']),
    /** The protocol the driver spoke (recorded on assets enrolled with `detect`). Absent from older agents. */
    protocol: z.enum(['ipmi', 'redfish']).optional(),
    /** What the BMC reports of the hardware (Redfish); absent where the BMC reports nothing useful. */
    hardware: bmcHardwareSchema.optional(),
  }),
  'bmc.power': z.object({ powerState: z.enum(['on', 'off']) }),
  'bmc.bootdev': z.object({ device: z.enum(['pxe', 'disk']) }),
  'bmc.boot_media': z.object({
    /** The plan the image boots. */
    plan: z.enum(['utility', 'talos']),
    image: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().positive() }),
  }),
  'boot.prepare': z.object({ bootServerUrl: z.string() }),
  'ssh.inventory': z.object({ inventory: inventorySchema, hostKeyFingerprint: z.string() }),
  'ssh.wipe': z.object({ reports: z.array(wipeReportSchema) }),
  'talos.waitApi': z.object({ version: z.string() }),
  'talos.bootstrap': z.object({ outcome: z.enum(['bootstrapped', 'already']) }),
  'talos.kubeconfig': z.object({ kubeconfig: z.string().min(1) }),
  'k8s.waitReady': z.object({ ready: z.literal(true) }),
} as const satisfies Record<JobKind, z.ZodType>;

export type JobResult<K extends JobKind> = z.infer<(typeof jobResultSchemas)[K]>;

/** A job request as a workflow makes it. */
export type JobRequest = { [K in JobKind]: { kind: K; payload: JobPayload<K> } }[JobKind];

/** Job kinds whose results hold a secret; the API stores that secret and hands the workflow a reference. */
export const SECRET_RESULT_KINDS: readonly JobKind[] = ['talos.kubeconfig'];

/** What the workflow receives in place of a secret result: proof it was stored, never the secret. */
export interface StoredSecretResult {
  storedSecret: { sha256: string };
}

/** The result a workflow sees for a job kind (secret results replaced by a reference). */
export type JobWorkflowResult<K extends JobKind> = K extends 'talos.kubeconfig' ? StoredSecretResult : JobResult<K>;

/** Lifecycle of an `agent_jobs` document. */
export const JOB_STATES = [
  /** Waiting for the site's agent to claim it. */
  'queued',
  /** An agent holds it under a lease. */
  'claimed',
  'completed',
  'failed',
  /** Its activity was cancelled or retried: any late completion is refused with 409. */
  'withdrawn',
] as const;
export type JobState = (typeof JOB_STATES)[number];

/** How the agent reports a failure: `retryable` lets Temporal's retry policy run again. */
export const jobFailureSchema = z.object({
  type: z.string().regex(/^[A-Z][A-Za-z]+$/, 'CamelCase failure type'),
  message: z.string().min(1).max(4_000),
  retryable: z.boolean(),
  details: z.unknown().optional(),
});
export type JobFailure = z.infer<typeof jobFailureSchema>;
