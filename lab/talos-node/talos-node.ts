import * as grpc from '@grpc/grpc-js';
import { loadMachineService, type ResetRequest } from '../../agent/talos/talos-proto.js';
import { assertLabAddress, bindTalosApi, TalosApiServerCredentials } from './talos-api-server.js';
import { startKubeApiServer, type KubeApiServer } from './kube-apiserver.js';
import { parseMachineConfig, type LabMachineConfig } from './machine-config.js';
import { createMachineServiceHandlers } from './machine-service.js';
import type { NodeState, TalosNodeFaults } from './node-state.js';
import { ExtKeyUsage, issueLeaf, loadSigningCa, type PemPair } from './pki.js';
import { startTrustd, TRUSTD_PORT, type Trustd } from './trustd.js';
import { requestApiCertificate } from './trustd-client.js';

export type { TalosNodeFaults } from './node-state.js';

/**
 * A simulated Talos node for the lab: the Talos API (`machine.MachineService` over gRPC with
 * mTLS, TLS 1.3) on `ip:50000`, on control planes trustd on `ip:50001`, and once bootstrapped a
 * Kubernetes API health endpoint on `ip:6443`. A worker serves its API only once trustd on a
 * control plane has signed its certificate. See `README.md` beside this file for how it differs
 * from real Talos.
 */

/** Options of {@link startTalosNode}. */
export interface TalosNodeOptions {
  /** The node IP: a loopback address such as `127.10.0.11` (Linux routes all of 127/8 to lo). */
  ip: string;
  /** The machine config the node "booted" with (YAML, as served at `talos.config=`). */
  machineConfigYaml: string;
  /** Talos API port; 50000 as on real nodes, 0 for an ephemeral port (not with `apiStartDelayMs`). */
  apiPort?: number;
  /** Kubernetes API port; defaults to the port of `cluster.controlPlane.endpoint` (6443). */
  kubePort?: number;
  /**
   * OS CA key for a worker started on its own, with no control plane to ask: it then signs its
   * API certificate itself instead of asking trustd (client tests of a lone worker). The lab's
   * machines never pass it.
   */
  osCaKeyPem?: string;
  /** trustd port of a control plane; 50001 as on real nodes, 0 for an ephemeral port. */
  trustdPort?: number;
  /**
   * Where a worker asks for its certificate: `host:port` of trustd. Defaults to the host of
   * `cluster.controlPlane.endpoint` on port 50001, as Talos' static endpoint controller resolves it.
   */
  trustdEndpoints?: string[];
  faults?: TalosNodeFaults;
  /** Reported by Version (`tag`). */
  talosVersion?: string;
  /** Listen on a non-loopback address (only inside a network namespace the lab created). */
  insideNetworkNamespace?: boolean;
}

/** A running simulated Talos node. */
export interface TalosNode {
  readonly ip: string;
  /** `ip:port` of the Talos API, for `createTalosClient({ endpoint })`. */
  readonly apiEndpoint: string;
  readonly apiPort: number;
  /** Port of the Kubernetes API (listening only once bootstrapped). */
  readonly kubePort: number;
  readonly bootstrapped: boolean;
  /** Why the Kubernetes API failed to start after Bootstrap (e.g. port taken), if it did. */
  readonly kubeApiError: Error | undefined;
  /** Times Bootstrap actually bootstrapped (0 or 1; a second call gets AlreadyExists). */
  readonly bootstrapCalls: number;
  readonly phase: NodeState['phase'];
  readonly config: LabMachineConfig;
  readonly stagedConfigYaml: string | undefined;
  /** Resolves once the Talos API listens (after `apiStartDelayMs`; on a worker after trustd signed its certificate). */
  readonly apiListening: Promise<void>;
  /** The Talos API's serving certificate (PEM) once it listens. */
  readonly apiCertificatePem: string | undefined;
  /** trustd of a control plane (undefined on workers). */
  readonly trustd: Trustd | undefined;
  /**
   * A control plane joining an already bootstrapped cluster: etcd has data (Bootstrap then answers
   * AlreadyExists) and the Kubernetes API starts, without a Bootstrap call on this node.
   */
  joinBootstrappedCluster(): Promise<void>;
  /** Registers a listener called when the node has been reset (it no longer serves anything). */
  onReset(listener: (request: ResetRequest) => void): void;
  close(): Promise<void>;
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/** Starts a simulated Talos node. Throws when the config is invalid or an address is not loopback. */
export async function startTalosNode(options: TalosNodeOptions): Promise<TalosNode> {
  assertLabAddress(options.ip, options.insideNetworkNamespace);
  const config = parseMachineConfig(options.machineConfigYaml);
  const faults = options.faults ?? {};
  const apiPortWanted = options.apiPort ?? 50000;
  if (faults.apiStartDelayMs && apiPortWanted === 0)
    throw new Error('talos-node: apiStartDelayMs needs a fixed apiPort');
  const osCaKey = config.osCa.keyPem || options.osCaKeyPem;
  // A real worker config carries the OS CA certificate only; its key stays on the control planes.
  const osCa = osCaKey ? await loadSigningCa(config.osCa.certPem, osCaKey) : undefined;
  const isControlPlane = config.type !== 'worker';
  const state: NodeState = {
    ip: options.ip,
    config,
    stagedConfigYaml: undefined,
    kubernetesCa: isControlPlane
      ? await loadSigningCa(config.kubernetesCa.certPem, config.kubernetesCa.keyPem)
      : undefined,
    bootstrapped: false,
    bootstrapCalls: 0,
    bootstrapRefusalsLeft: faults.bootstrapFailedPreconditionCount ?? 0,
    phase: 'running',
    faults,
    version: {
      tag: options.talosVersion ?? 'v1.11.0',
      sha: 'rackpilot-lab',
      built: '',
      goVersion: 'go1.24',
      os: 'linux',
      arch: 'amd64',
    },
  };

  // apid's certificate names the node's addresses and machine.certSANs; a control plane signs it
  // with the OS CA from its config, a worker asks trustd (secrets.APIController in Talos).
  const apiSans = [...new Set([options.ip, ...config.machineCertSans])];
  const abort = new AbortController();
  const obtainApiCert = async (): Promise<PemPair> => {
    if (osCa)
      return issueLeaf(osCa, { subject: 'CN=talos-node', sans: apiSans, extKeyUsages: [ExtKeyUsage.ServerAuth] });
    return requestApiCertificate({
      endpoints: options.trustdEndpoints ?? [`${hostOf(config.endpoint)}:${TRUSTD_PORT}`],
      token: config.token,
      osCaCertPem: config.osCa.certPem,
      commonName: 'talos-node',
      sans: apiSans,
      signal: abort.signal,
    });
  };
  let apiCertificatePem: string | undefined;
  // trustd runs on control planes from boot, before etcd exists: workers can join at any time.
  const trustd =
    isControlPlane && osCa && config.osCa.keyPem
      ? await startTrustd({
          ip: options.ip,
          port: options.trustdPort,
          osCa,
          token: config.token,
          sans: apiSans,
          insideNetworkNamespace: options.insideNetworkNamespace,
        })
      : undefined;
  const kubePortWanted = options.kubePort ?? Number(config.endpoint.port || 6443);
  let kubeApi: KubeApiServer | undefined;
  let kubeStarting: Promise<void> | undefined;
  let kubeApiError: Error | undefined;
  const resetListeners: ((request: ResetRequest) => void)[] = [];
  const server = new grpc.Server({ 'grpc.max_concurrent_streams': 100 });

  const startKubeApi = (): Promise<void> => {
    if (!state.kubernetesCa) return Promise.reject(new Error('talos-node: workers do not run the Kubernetes API'));
    const kubernetesCa = state.kubernetesCa;
    kubeStarting ??= (async () => {
      const sans = [
        options.ip,
        hostOf(config.endpoint),
        'localhost',
        '127.0.0.1',
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        `kubernetes.default.svc.${config.dnsDomain}`,
        ...config.apiServerCertSans,
      ];
      kubeApi = await startKubeApiServer({
        ip: options.ip,
        port: kubePortWanted,
        kubernetesCa,
        sans: [...new Set(sans)],
        readyAt: Date.now() + (faults.kubeApiReadyDelayMs ?? 0),
      });
    })();
    return kubeStarting;
  };

  let apiPort = apiPortWanted;
  const listen = async (): Promise<void> => {
    const apiCert = await obtainApiCert();
    const { service } = loadMachineService();
    server.addService(
      service,
      createMachineServiceHandlers({
        state,
        onBootstrapped: () =>
          void startKubeApi().catch((err: unknown) => {
            kubeApiError = err instanceof Error ? err : new Error(String(err));
          }),
        onReset: (request) => {
          state.phase = 'reset';
          state.bootstrapped = false;
          state.stagedConfigYaml = undefined;
          // Reply first, then "wipe and reboot": stop serving, as a real node goes down.
          setTimeout(() => {
            void stop().then(() => resetListeners.forEach((listener) => listener(request)));
          }, 50);
        },
      }),
    );
    apiPort = await bindTalosApi(
      server,
      `${options.ip.includes(':') ? `[${options.ip}]` : options.ip}:${apiPortWanted}`,
      new TalosApiServerCredentials(config.osCa.certPem, apiCert.certPem, apiCert.keyPem),
    );
    apiCertificatePem = apiCert.certPem;
  };

  const stop = async (): Promise<void> => {
    await trustd?.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    server.forceShutdown();
    await kubeStarting?.catch(() => undefined);
    await kubeApi?.close();
    kubeApi = undefined;
  };

  const apiListening = faults.apiStartDelayMs
    ? new Promise<void>((resolve, reject) => setTimeout(() => listen().then(resolve, reject), faults.apiStartDelayMs))
    : listen();
  // A worker waiting for trustd is a booted node whose API is not up yet; callers await `apiListening`.
  if (!faults.apiStartDelayMs && osCa)
    await apiListening.catch(async (err: unknown) => {
      await trustd?.close();
      throw err;
    });
  apiListening.catch(() => undefined);

  return {
    ip: options.ip,
    get apiEndpoint() {
      return `${options.ip.includes(':') ? `[${options.ip}]` : options.ip}:${apiPort}`;
    },
    get apiPort() {
      return apiPort;
    },
    get kubePort() {
      return kubeApi?.port ?? kubePortWanted;
    },
    get bootstrapped() {
      return state.bootstrapped;
    },
    get kubeApiError() {
      return kubeApiError;
    },
    get bootstrapCalls() {
      return state.bootstrapCalls;
    },
    get phase() {
      return state.phase;
    },
    get config() {
      return state.config;
    },
    get stagedConfigYaml() {
      return state.stagedConfigYaml;
    },
    apiListening,
    get apiCertificatePem() {
      return apiCertificatePem;
    },
    trustd,
    joinBootstrappedCluster: () => {
      // etcd joined the existing cluster: its data directory is no longer empty (Bootstrap → AlreadyExists).
      state.bootstrapped = true;
      return startKubeApi();
    },
    onReset: (listener) => void resetListeners.push(listener),
    close: async () => {
      abort.abort();
      await apiListening.catch(() => undefined);
      await stop();
    },
  };
}
