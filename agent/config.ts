/**
 * The agent's configuration, parsed once from `RACKPILOT_AGENT_*` environment variables
 * (STYLE.md §10). Every bad variable is named in one `ConfigError`; nothing else reads `process.env`.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { envBoolean, envPort, parseEnv } from '../shared/env-config.js';
import { bootServicesConfigSchema, type BootServicesConfig } from './boot/boot-services.js';
import { isIPv4 } from './boot/boot-validation.js';

const P = 'RACKPILOT_AGENT_';
const optional = (schema: z.ZodType<string>) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const seconds = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

/** The variables, by full name. */
export const agentEnvSchema = z
  .object({
    [`${P}API_URL`]: z.url({ protocol: /^https?$/ }),
    [`${P}ENROLLMENT_TOKEN`]: optional(z.string().min(16)),
    [`${P}CREDENTIAL_FILE`]: optional(z.string().min(1)),
    [`${P}DATA_DIR`]: z.string().min(1).default('/var/lib/rackpilot-agent'),
    [`${P}NAME`]: z.string().min(1).max(100).default(hostname()),
    [`${P}CONCURRENCY`]: z.coerce.number().int().min(1).max(64).default(8),
    [`${P}HEARTBEAT_SECONDS`]: seconds(15, 300),
    // Each job heartbeat is the Temporal heartbeat of the activity waiting on the job (timeout
    // 30 s, workflows/workflows/agent-steps.ts): at most half of it, so one lost beat is survived.
    [`${P}JOB_HEARTBEAT_SECONDS`]: seconds(5, 15),
    [`${P}CLAIM_WAIT_SECONDS`]: z.coerce.number().int().min(0).max(60).default(25),
    [`${P}SHUTDOWN_GRACE_SECONDS`]: z.coerce.number().int().min(0).max(3600).default(30),
    [`${P}BOOT_HTTP_HOST`]: z.string().min(1).default('0.0.0.0'),
    [`${P}BOOT_HTTP_PORT`]: envPort(8080),
    [`${P}BOOT_PUBLIC_URL`]: optional(z.url({ protocol: /^https?$/ })),
    [`${P}BOOT_SERVER_IP`]: optional(z.string().refine(isIPv4, 'must be an IPv4 address')),
    [`${P}TFTP_ENABLED`]: envBoolean(true),
    [`${P}TFTP_PORT`]: envPort(69),
    [`${P}TFTP_ROOT`]: optional(z.string().min(1)),
    [`${P}PROXY_DHCP_ENABLED`]: envBoolean(true),
    [`${P}ARTIFACT_DIR`]: optional(z.string().min(1)),
    [`${P}UTILITY_KERNEL`]: z.string().min(1).default('rackpilot-utility-vmlinuz'),
    [`${P}UTILITY_INITRD`]: z.string().min(1).default('rackpilot-utility-initramfs'),
    [`${P}SSH_KEY_PATH`]: optional(z.string().min(1)),
    [`${P}SSH_USER`]: z.string().min(1).default('root'),
    [`${P}TALOS_API_PORT`]: envPort(50000),
    // ipmitool is the reference client with every vendor's quirks; `native` (agent/bmc/rmcp/) is
    // ours, which retransmits the session handshake and gets through a lossy management network.
    [`${P}IPMI_CLIENT`]: z.enum(['ipmitool', 'native']).default('ipmitool'),
    [`${P}METRICS_PORT`]: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.coerce.number().int().min(0).max(65535).optional(),
    ),
    [`${P}LOG_LEVEL`]: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((env, ctx) => {
    if (env[`${P}PROXY_DHCP_ENABLED`] && env[`${P}BOOT_SERVER_IP`] === undefined) {
      ctx.addIssue({ code: 'custom', path: [`${P}BOOT_SERVER_IP`], message: 'required when proxyDHCP is enabled' });
    }
    if (env[`${P}PROXY_DHCP_ENABLED`] && !env[`${P}TFTP_ENABLED`]) {
      ctx.addIssue({
        code: 'custom',
        path: [`${P}TFTP_ENABLED`],
        message: 'proxyDHCP hands out TFTP boot files: enable TFTP too',
      });
    }
  });

/** The agent's configuration, with defaults resolved against the data dir. */
export interface AgentConfig {
  apiUrl: string;
  enrollmentToken: string | undefined;
  credentialFile: string;
  dataDir: string;
  name: string;
  concurrency: number;
  heartbeatMs: number;
  jobHeartbeatMs: number;
  claimWaitSeconds: number;
  shutdownGraceMs: number;
  boot: BootServicesConfig;
  artifactDir: string;
  utility: { kernel: string; initrd: string };
  ssh: { keyPath: string; username: string };
  talosApiPort: number;
  /** What speaks IPMI to the BMCs: the `ipmitool` binary or the agent's own RMCP+ client. */
  ipmiClient: 'ipmitool' | 'native';
  /** Loopback port of `/metrics`; undefined: not served. */
  metricsPort: number | undefined;
  logLevel: string;
}

/** Parses the environment. Throws `ConfigError` naming every bad variable. */
export function loadAgentConfig(env: NodeJS.ProcessEnv): AgentConfig {
  const e = parseEnv(agentEnvSchema, env);
  const vars = e as Record<string, unknown>;
  const get = <T>(name: string): T => vars[`${P}${name}`] as T;
  const dataDir = get<string>('DATA_DIR');
  const boot = bootServicesConfigSchema.parse({
    serverIp: get('BOOT_SERVER_IP'),
    http: { host: get('BOOT_HTTP_HOST'), port: get('BOOT_HTTP_PORT'), publicUrl: get('BOOT_PUBLIC_URL') },
    tftp: {
      enabled: get('TFTP_ENABLED'),
      port: get('TFTP_PORT'),
      root: get<string | undefined>('TFTP_ROOT') ?? join(dataDir, 'tftp'),
    },
    proxyDhcp: { enabled: get('PROXY_DHCP_ENABLED') },
  });
  return {
    apiUrl: get('API_URL'),
    enrollmentToken: get('ENROLLMENT_TOKEN'),
    credentialFile: get<string | undefined>('CREDENTIAL_FILE') ?? join(dataDir, 'agent-credential.json'),
    dataDir,
    name: get('NAME'),
    concurrency: get('CONCURRENCY'),
    heartbeatMs: get<number>('HEARTBEAT_SECONDS') * 1000,
    jobHeartbeatMs: get<number>('JOB_HEARTBEAT_SECONDS') * 1000,
    claimWaitSeconds: get('CLAIM_WAIT_SECONDS'),
    shutdownGraceMs: get<number>('SHUTDOWN_GRACE_SECONDS') * 1000,
    boot,
    artifactDir: get<string | undefined>('ARTIFACT_DIR') ?? join(dataDir, 'artifacts'),
    utility: { kernel: get('UTILITY_KERNEL'), initrd: get('UTILITY_INITRD') },
    ssh: {
      keyPath: get<string | undefined>('SSH_KEY_PATH') ?? join(dataDir, 'ssh', 'id_ed25519'),
      username: get('SSH_USER'),
    },
    talosApiPort: get('TALOS_API_PORT'),
    ipmiClient: get('IPMI_CLIENT'),
    metricsPort: get('METRICS_PORT'),
    logLevel: get('LOG_LEVEL'),
  };
}
