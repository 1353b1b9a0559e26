/**
 * The wire contract between a site's agent and the API (DESIGN.md "the bridge"). The agent only
 * makes outbound HTTPS calls with its site-scoped credential (`Authorization: Bearer <agent key>`).
 * Every path is under `/api/v1/agent`. Errors use the API's `{ error, code, details }` body.
 */
import { z } from 'zod';
import { BMC_DRIVER_CHOICES, BMC_PROTOCOLS, redfishSettingsSchema } from './bmc-endpoint.js';
import { JOB_KINDS, jobFailureSchema, type JobKind } from './jobs.js';

export const AGENT_API_PREFIX = '/api/v1/agent';

/** `POST /agent/register` (no auth: the one-time enrollment token is the credential). */
export const agentRegisterRequestSchema = z.object({
  enrollmentToken: z.string().min(16),
  name: z.string().min(1).max(100),
  version: z.string().min(1).max(50),
});
/** The agent's own credential, shown once; the agent stores it in its data dir (mode 0600). */
export const agentRegisterResponseSchema = z.object({ agentId: z.string(), siteId: z.string(), apiKey: z.string() });

/** `POST /agent/heartbeat`: liveness plus what the agent can do and where its boot server listens. */
export const agentHeartbeatRequestSchema = z.object({
  version: z.string().min(1).max(50),
  capabilities: z.array(z.enum(JOB_KINDS as [JobKind, ...JobKind[]])),
  bootServerUrl: z.url().optional(),
  runningJobs: z.number().int().nonnegative().optional(),
});

/** `POST /agent/jobs/claim`: long poll. 200 `{ job }` or 204 when none came within `waitSeconds`. */
export const jobClaimRequestSchema = z.object({
  waitSeconds: z.number().int().min(0).max(60).default(25),
  kinds: z.array(z.enum(JOB_KINDS as [JobKind, ...JobKind[]])).optional(),
});
export const claimedJobSchema = z.object({
  id: z.string(),
  kind: z.enum(JOB_KINDS as [JobKind, ...JobKind[]]),
  payload: z.unknown(),
  claimToken: z.string(),
  attempt: z.number().int(),
  leaseSeconds: z.number().int(),
});
export type ClaimedJobWire = z.infer<typeof claimedJobSchema>;

/** `POST /agent/jobs/{id}/heartbeat` → 204; 409 `JOB_WITHDRAWN` means stop working on it. */
export const jobHeartbeatRequestSchema = z.object({
  claimToken: z.string().min(1),
  progress: z.unknown().optional(),
  logs: z.array(z.string().max(2_000)).max(100).optional(),
});

/** `POST /agent/jobs/{id}/complete` → 204. The result must match the kind's result schema. */
export const jobCompleteRequestSchema = z.object({ claimToken: z.string().min(1), result: z.unknown() });

/** `POST /agent/jobs/{id}/fail` → 204. */
export const jobFailRequestSchema = z.object({ claimToken: z.string().min(1), failure: jobFailureSchema });

/** `POST /agent/events`: a boot event observed by the boot services → 202 (signalled to the owning workflow). */
export const agentEventRequestSchema = z
  .object({
    type: z.enum(['ipxe-served', 'config-fetched', 'utility-ready', 'talos-api-up']),
    mac: z
      .string()
      .regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/)
      .optional(),
    bmcAddress: z.string().min(1).optional(),
    address: z.string().min(1).optional(),
    at: z.iso.datetime().optional(),
  })
  .refine((e) => e.mac !== undefined || e.bmcAddress !== undefined, { message: 'mac or bmcAddress is required' });
export type AgentEventRequest = z.infer<typeof agentEventRequestSchema>;

/** `GET /agent/assets/{id}/bmc`: how to reach an asset of the agent's own site, password included. */
export const agentBmcCredentialsSchema = z.object({
  /** `detect`: the agent tries Redfish at `https://<address>:443/redfish/v1/`, then IPMI at `port`. */
  driver: z.enum(BMC_DRIVER_CHOICES),
  address: z.string(),
  /** Port of `driver` (IPMI's when detecting). */
  port: z.number().int(),
  username: z.string(),
  password: z.string(),
  /** IPMI cipher suite (IPMI and detect). */
  cipherSuite: z.number().int(),
  /** Redfish settings (Redfish and detect). */
  redfish: redfishSettingsSchema.optional(),
});
export type AgentBmcCredentials = z.infer<typeof agentBmcCredentialsSchema>;

/**
 * `PUT /agent/assets/{id}/bmc/protocol` → 204: the protocol the agent found an asset enrolled
 * with `driver: detect` to speak. The API records it once (a later report for an asset whose
 * protocol is already known changes nothing) so later jobs skip the probe.
 */
export const agentBmcProtocolRequestSchema = z.strictObject({
  protocol: z.enum(BMC_PROTOCOLS),
  /** The port the protocol answered at (Redfish's differs from the IPMI port stored for detect). */
  port: z.number().int().min(1).max(65_535),
});
export type AgentBmcProtocolRequest = z.infer<typeof agentBmcProtocolRequestSchema>;

/** `GET /agent/assets/{id}/machine-config` → `application/yaml`: the Talos config the boot server serves to that machine. */
/** `GET /agent/clusters/{id}/talosconfig` → `application/yaml`: client identity for the cluster's Talos API. */
/** `GET /agent/clusters/{id}/kubeconfig` → `application/yaml`: admin kubeconfig for `k8s.waitReady`. */
export const AGENT_SECRET_DOCUMENTS = ['machine-config', 'talosconfig', 'kubeconfig'] as const;
