import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { ApplyConfigurationRequest, ResetRequest } from '../../agent/talos/talos-proto.js';
import { generateAdminKubeconfig, kubeconfigArchive } from './kubeconfig-archive.js';
import { MachineConfigError, parseMachineConfig } from './machine-config.js';
import type { NodeState } from './node-state.js';
import { authorize, type Role } from './rbac.js';

/**
 * The simulated node's `machine.MachineService`: Version, Bootstrap, Kubeconfig,
 * ApplyConfiguration and Reset, with the status codes and messages real Talos returns
 * (siderolabs/talos `internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go`).
 */

/** Hooks the node gives its service. */
export interface MachineServiceHooks {
  state: NodeState;
  /** Called once etcd is "bootstrapped": the node starts its Kubernetes API. */
  onBootstrapped(): void;
  /** Called after a Reset reply is sent: the node wipes itself and stops serving. */
  onReset(request: ResetRequest): void;
}

type Callback<T> = grpc.sendUnaryData<T>;

function fail(code: grpc.status, details: string): Partial<grpc.StatusObject> {
  return { code, details, metadata: new grpc.Metadata() };
}

type AnyCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

function guard(call: AnyCall, state: NodeState, method: string, roles: Role[]): Partial<grpc.StatusObject> | undefined {
  return authorize(call, { method, allowedRoles: roles, nodeIp: state.ip });
}

/** Builds the handlers of `machine.MachineService` over the node's mutable state. */
export function createMachineServiceHandlers(hooks: MachineServiceHooks): grpc.UntypedServiceImplementation {
  const { state } = hooks;
  const controlPlaneOnly = (api: string): Partial<grpc.StatusObject> | undefined =>
    state.config.type === 'worker'
      ? fail(grpc.status.UNIMPLEMENTED, `${api} is only available on control plane nodes`)
      : undefined;

  return {
    Version(call: grpc.ServerUnaryCall<unknown, unknown>, callback: Callback<unknown>) {
      const denied = guard(call, state, 'Version', ['os:admin', 'os:operator', 'os:reader']);
      if (denied) return callback(denied);
      callback(null, {
        messages: [
          {
            version: { ...state.version },
            platform: { name: 'metal', mode: 'metal' },
            features: { rbac: true },
          },
        ],
      });
    },

    Bootstrap(call: grpc.ServerUnaryCall<unknown, unknown>, callback: Callback<unknown>) {
      const denied = guard(call, state, 'Bootstrap', ['os:admin']);
      if (denied) return callback(denied);
      if (state.bootstrapRefusalsLeft > 0) {
        state.bootstrapRefusalsLeft -= 1;
        return callback(fail(grpc.status.FAILED_PRECONDITION, 'bootstrap is not available yet'));
      }
      const notHere = controlPlaneOnly('bootstrap');
      if (notHere) return callback(notHere);
      if (!state.config.hasEtcdCa) {
        return callback(fail(grpc.status.INVALID_ARGUMENT, 'etcd is not configured, bootstrap is not possible'));
      }
      if (state.bootstrapped) return callback(fail(grpc.status.ALREADY_EXISTS, 'etcd data directory is not empty'));
      state.bootstrapped = true;
      state.bootstrapCalls += 1;
      callback(null, { messages: [{}] });
      hooks.onBootstrapped();
    },

    Kubeconfig(call: grpc.ServerWritableStream<unknown, unknown>) {
      const denied = guard(call, state, 'Kubeconfig', ['os:admin']) ?? controlPlaneOnly('kubeconfig');
      if (denied) return call.emit('error', denied);
      const ca = state.kubernetesCa;
      if (!ca) return call.emit('error', fail(grpc.status.FAILED_PRECONDITION, 'k8s API server CA config is not set'));
      const endpoint = state.config.endpoint.href.replace(/\/$/, '');
      generateAdminKubeconfig({ clusterName: state.config.clusterName, endpoint, kubernetesCa: ca })
        .then((yaml) => {
          const archive = kubeconfigArchive(yaml);
          const size = state.faults.kubeconfigChunkBytes ?? archive.length;
          for (let offset = 0; offset < archive.length; offset += size) {
            call.write({ bytes: archive.subarray(offset, offset + size) });
          }
          call.end();
        })
        .catch((err: unknown) => call.emit('error', fail(grpc.status.INTERNAL, String(err))));
    },

    ApplyConfiguration(call: grpc.ServerUnaryCall<ApplyConfigurationRequest, unknown>, callback: Callback<unknown>) {
      const denied = guard(call, state, 'ApplyConfiguration', ['os:admin']);
      if (denied) return callback(denied);
      const { data, mode, dryRun } = call.request;
      let next;
      try {
        next = parseMachineConfig(data.toString('utf8'));
      } catch (err) {
        const message = err instanceof MachineConfigError ? err.message : String(err);
        return callback(fail(grpc.status.INVALID_ARGUMENT, `failed to parse config: ${message}`));
      }
      if ((next.type === 'worker') !== (state.config.type === 'worker')) {
        return callback(
          fail(grpc.status.INVALID_ARGUMENT, `machine type can't be changed from ${state.config.type} to ${next.type}`),
        );
      }
      if (dryRun) {
        return callback(null, {
          messages: [{ mode, modeDetails: 'Dry run: configuration is valid, nothing applied', warnings: [] }],
        });
      }
      if (mode === 'STAGED') {
        state.stagedConfigYaml = next.raw;
        return callback(null, {
          messages: [{ mode, modeDetails: 'Staged configuration to be applied after the next reboot', warnings: [] }],
        });
      }
      state.config = next;
      const chosen = mode === 'AUTO' ? 'NO_REBOOT' : mode;
      callback(null, {
        messages: [{ mode: chosen, modeDetails: 'Applied configuration without a reboot', warnings: [] }],
      });
    },

    Reset(call: grpc.ServerUnaryCall<ResetRequest, unknown>, callback: Callback<unknown>) {
      const denied = guard(call, state, 'Reset', ['os:admin']);
      if (denied) return callback(denied);
      callback(null, { messages: [{ actorId: randomUUID() }] });
      hooks.onReset(call.request);
    },
  };
}
