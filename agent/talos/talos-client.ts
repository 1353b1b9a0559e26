import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../shared/logger.js';
import { toTalosError } from './grpc-errors.js';
import { extractKubeconfigFromArchive } from './kubeconfig.js';
import { deadlineMs, retryUntil, type Backoff } from './retry.js';
import type { TalosIdentity } from './talos-credentials.js';
import { TalosError, TalosErrorCodes } from './talos-errors.js';
import type { ApplyConfigurationMessage, ApplyMode, TalosMetadata, TalosVersionMessage } from './talos-proto.js';
import { createTalosRpc } from './talos-rpc.js';

/** Options of {@link createTalosClient}. */
export interface TalosClientOptions extends TalosIdentity {
  /** `ip:port` of the node's Talos API, e.g. `10.0.0.11:50000`. */
  endpoint: string;
  /** Target node sent as gRPC metadata `node`, for apid to proxy to (omit to talk to the endpoint itself). */
  node?: string;
  /** Deadline of each single RPC. Default 20 s. */
  callTimeoutMs?: number;
  logger?: Logger;
}

/** What `Version` reports about the node. */
export interface TalosVersion {
  tag: string;
  sha: string;
  arch: string;
  platform: { name: string; mode: string } | null;
  rbac: boolean;
}

/** Retry knobs of {@link TalosClient.bootstrap} and {@link TalosClient.waitForApi}. */
export interface RetryOptions extends Partial<Backoff> {
  /** Called before each retry with the attempt number that failed and why. */
  onRetry?: (attempt: number, error: TalosError) => void;
  signal?: AbortSignal;
}

/** A client of one Talos node's `machine.MachineService`. All methods throw `TalosError`. */
export interface TalosClient {
  /** Returns the node's Talos version. */
  version(): Promise<TalosVersion>;
  /**
   * Bootstraps etcd on this control plane node. Retries while the node answers
   * FailedPrecondition (not ready yet) or is unreachable, until `deadline` (default 10 min);
   * AlreadyExists means an earlier call did it. Throws `TalosBootstrapTimeout` at the deadline.
   */
  bootstrap(deadline?: Date | number, options?: RetryOptions): Promise<'bootstrapped' | 'already'>;
  /** Downloads the admin kubeconfig (reassembles the gzipped tar stream) and returns its YAML. */
  kubeconfig(): Promise<string>;
  /** Applies a machine config; returns the mode the node chose and its explanation. */
  applyConfiguration(
    yaml: string,
    mode: ApplyMode,
    options?: { dryRun?: boolean },
  ): Promise<{ mode: ApplyMode; details: string; warnings: string[] }>;
  /** Resets (wipes) the node; it then reboots or halts. Returns the actor id of the reset. */
  reset(options: { graceful: boolean; reboot: boolean }): Promise<{ actorId: string }>;
  /** Calls Version until it answers or `deadline` passes (`TalosUnreachable`); `TalosAuthFailed` is thrown at once. */
  waitForApi(deadline: Date | number, options?: RetryOptions): Promise<TalosVersion>;
  close(): void;
}

/** Creates a Talos API client over mutual TLS with a talosconfig identity (OS CA + client cert). */
export function createTalosClient(options: TalosClientOptions): TalosClient {
  const { endpoint } = options;
  const rpc = createTalosRpc({ ...options, callTimeoutMs: options.callTimeoutMs ?? 20_000 });
  const log = options.logger?.child({ talosEndpoint: endpoint });

  function firstMessage<M extends { metadata: TalosMetadata | null }>(method: string, reply: { messages: M[] }): M {
    const message = reply.messages[0];
    if (!message)
      throw new TalosError(TalosErrorCodes.BadResponse, `Talos ${method} on ${endpoint} returned no message`);
    if (message.metadata?.error) {
      const text = `Talos ${method} via ${endpoint} failed on the node: ${message.metadata.error}`;
      throw new TalosError(TalosErrorCodes.RpcFailed, text);
    }
    return message;
  }

  async function version(limit?: number): Promise<TalosVersion> {
    const reply = await rpc.unary<{ messages: TalosVersionMessage[] }>('Version', {}, limit);
    const { version: v, platform, features } = firstMessage('Version', reply);
    return { tag: v?.tag ?? '', sha: v?.sha ?? '', arch: v?.arch ?? '', platform, rbac: features?.rbac ?? false };
  }

  // A booting node is asked at most every second: one Version call (an ed25519 mTLS handshake) is
  // cheap, and each second of backoff past the moment the node is up is a second added to its
  // provisioning (a worker's API waits on the control plane's trustd, so it is often a few tries).
  function retryPolicy(what: string, deadline: number, retry: RetryOptions) {
    return {
      deadline,
      backoff: { initialDelayMs: retry.initialDelayMs ?? 250, maxDelayMs: retry.maxDelayMs ?? 1_000 },
      normalize: (err: unknown) => toTalosError(err, what, endpoint),
      onRetry: (attempt: number, err: TalosError) => {
        log?.debug({ attempt, code: err.code, err: err.message }, `Talos ${what} not done yet, retrying`);
        retry.onRetry?.(attempt, err);
      },
      signal: retry.signal,
    };
  }

  async function bootstrapOnce(limit: number): Promise<'bootstrapped' | 'already'> {
    try {
      await rpc.unary('Bootstrap', { recoverEtcd: false, recoverSkipHashCheck: false }, limit);
      return 'bootstrapped';
    } catch (err) {
      // The etcd data directory is not empty: an earlier call (perhaps one whose reply was lost) bootstrapped.
      if (err instanceof TalosError && err.grpcCode === grpc.status.ALREADY_EXISTS) return 'already';
      throw err;
    }
  }

  return {
    version: () => version(),

    bootstrap: (deadline = Date.now() + 10 * 60_000, retry = {}) => {
      const limit = deadlineMs(deadline);
      return retryUntil(() => bootstrapOnce(limit), {
        ...retryPolicy('Bootstrap', limit, retry),
        shouldRetry: (err) =>
          err.grpcCode === grpc.status.FAILED_PRECONDITION || err.code === TalosErrorCodes.Unreachable,
        onDeadline: (last) =>
          new TalosError(
            TalosErrorCodes.BootstrapTimeout,
            `Talos Bootstrap on ${endpoint} did not succeed in time: ${last.message}`,
            {
              grpcCode: last.grpcCode,
              cause: last,
            },
          ),
      });
    },

    kubeconfig: async () => extractKubeconfigFromArchive(await rpc.collectData('Kubeconfig', {})),

    applyConfiguration: async (yaml, mode, applyOptions = {}) => {
      const request = { data: Buffer.from(yaml, 'utf8'), mode, dryRun: applyOptions.dryRun ?? false };
      const reply = await rpc.unary<{ messages: ApplyConfigurationMessage[] }>('ApplyConfiguration', request);
      const message = firstMessage('ApplyConfiguration', reply);
      return { mode: message.mode, details: message.modeDetails, warnings: message.warnings };
    },

    reset: async ({ graceful, reboot }) => {
      const request = { graceful, reboot, userDisksToWipe: [], mode: 'ALL' };
      const reply = await rpc.unary<{ messages: { metadata: TalosMetadata | null; actorId: string }[] }>(
        'Reset',
        request,
      );
      return { actorId: firstMessage('Reset', reply).actorId };
    },

    waitForApi: (deadline, retry = {}) => {
      const limit = deadlineMs(deadline);
      return retryUntil(() => version(limit), {
        ...retryPolicy('Version', limit, retry),
        shouldRetry: (err) => err.code === TalosErrorCodes.Unreachable,
        onDeadline: (last) =>
          new TalosError(
            TalosErrorCodes.Unreachable,
            `Talos API on ${endpoint} did not come up in time: ${last.message}`,
            {
              grpcCode: last.grpcCode,
              cause: last,
            },
          ),
      });
    },

    close: () => rpc.close(),
  };
}
