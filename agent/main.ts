/**
 * Entry point of `rackpilot-agent`: config, logger, metrics, SSH key, boot services, then the daemon;
 * SIGTERM/SIGINT stop claiming, give running jobs the grace period, and close everything.
 */
import { accessSync, constants } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { createLogger } from '../shared/logger.js';
import type { AgentEventRequest } from '../shared/agent-protocol.js';
import { AgentApiClient } from './api-client/agent-api-client.js';
import { AgentApiError } from './api-client/api-errors.js';
import { ArtifactCache } from './boot/artifact-cache.js';
import { BootMediaStore } from './boot/boot-media.js';
import { persistentBootPlans } from './boot/boot-plan-store.js';
import { startBootServices } from './boot/boot-services.js';
import { loadAgentConfig } from './config.js';
import { AgentDaemon } from './daemon/agent-daemon.js';
import { bootEventForwarder } from './daemon/boot-event-forwarder.js';
import { BootEventOutbox } from './daemon/boot-event-outbox.js';
import { ensureSshKey } from './daemon/ssh-key.js';
import { createJobContextFactory } from './jobs/job-context-factory.js';
import { createAgentMetrics, serveMetrics } from './metrics.js';

/** The agent's version, reported at enrollment and in heartbeats. */
export const AGENT_VERSION = '0.1.0';

async function main(): Promise<void> {
  const config = loadAgentConfig(process.env);
  const logger = createLogger('agent', { level: config.logLevel });
  const metrics = createAgentMetrics({ defaults: true });
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const sshKey = await ensureSshKey(config.ssh.keyPath);
  if (sshKey.generated) logger.info({ path: config.ssh.keyPath }, 'generated the agent SSH key');

  const api = new AgentApiClient({ baseUrl: config.apiUrl, logger: logger.child({ service: 'api-client' }) });
  api.onError((operation, err) => metrics.apiErrors.inc({ operation, code: err.code }));
  // Saved across restarts: a machine powered on by a re-issued job must still get its plan.
  const { plans } = await persistentBootPlans(join(config.dataDir, 'boot-plans.json'), logger);
  const artifacts = new ArtifactCache({ dir: config.artifactDir, logger });
  const utility = { kernel: config.utility.kernel, initrd: config.utility.initrd, sshAuthorizedKey: sshKey.publicKey };
  // Virtual-media boot needs grub-mkrescue (Debian: grub-common, grub-pc-bin, grub-efi-amd64-bin, xorriso, mtools).
  const grubMkrescue = findOnPath('grub-mkrescue');
  const media = grubMkrescue
    ? new BootMediaStore({
        dir: join(config.dataDir, 'media'),
        artifactPath: (name) => artifacts.pathOf(name),
        grubMkrescue,
      })
    : undefined;
  if (!media) logger.warn('grub-mkrescue not found: assets with bootMethod virtual-media cannot boot from this agent');
  const bootEvents = new BootEventOutbox<AgentEventRequest>({
    post: (event) => api.postEvent(event),
    isRetryable: (err) => err instanceof AgentApiError && err.retryable,
    logger,
  });
  const boot = await startBootServices(config.boot, {
    plans,
    artifacts,
    utility,
    media,
    fetchMachineConfig: (assetId) => api.document('machine-config', assetId),
    onBootEvent: bootEventForwarder(bootEvents),
    logger,
  });
  const { serverIp, http } = config.boot;
  const bootServerUrl = http.publicUrl ?? (serverIp ? `http://${serverIp}:${boot.http.port}` : boot.http.url);
  const metricsServer =
    config.metricsPort === undefined ? undefined : await serveMetrics(metrics.registry, config.metricsPort);

  const daemon = new AgentDaemon({
    api,
    name: config.name,
    version: AGENT_VERSION,
    credentialFile: config.credentialFile,
    enrollmentToken: config.enrollmentToken,
    concurrency: config.concurrency,
    heartbeatMs: config.heartbeatMs,
    jobHeartbeatMs: config.jobHeartbeatMs,
    claimWaitSeconds: config.claimWaitSeconds,
    bootServerUrl: () => bootServerUrl,
    makeScope: createJobContextFactory({
      secrets: api,
      bootPlans: plans,
      bootServerUrl: () => bootServerUrl,
      ...(media ? { bootMedia: { store: media, utility } } : {}),
      ssh: { privateKey: sshKey.privateKey, username: config.ssh.username },
      talosApiPort: config.talosApiPort,
      ipmiClient: config.ipmiClient,
      logger,
    }),
    logger,
    metrics,
  });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void daemon
      .stop(config.shutdownGraceMs)
      .then(() => {
        if (bootEvents.pending > 0)
          logger.warn({ pending: bootEvents.pending }, 'boot events not delivered before exit');
        bootEvents.stop();
        return Promise.allSettled([boot.close(), metricsServer?.close()]);
      })
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  try {
    const registration = await daemon.start();
    logger.info(
      { agentId: registration.agentId, bootServerUrl, concurrency: config.concurrency, ipmiClient: config.ipmiClient },
      'agent running',
    );
  } catch (err) {
    bootEvents.stop();
    await Promise.allSettled([boot.close(), metricsServer?.close()]);
    throw err;
  }
}

main().catch((err: unknown) => {
  const logger = createLogger('agent');
  logger.fatal({ err }, 'agent failed to start');
  process.exit(1);
});

/** The path of an executable on PATH, or undefined. */
function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}
