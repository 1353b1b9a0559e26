import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * Loads Rackpilot's minimal copy of Talos' `machine.MachineService` API (see `proto/`). Shared by
 * the agent's client and the lab's simulated node, so both speak exactly the same wire format.
 * The `.proto` files sit beside this module; a bundled build must ship `agent/talos/proto/`.
 */

/** Directory holding `machine/machine.proto` and `common/common.proto`. */
export const TALOS_PROTO_DIR = fileURLToPath(new URL('./proto/', import.meta.url));

/** `machine.ApplyConfigurationRequest.Mode`, by name (proto-loader is configured with `enums: String`). */
export type ApplyMode = 'REBOOT' | 'AUTO' | 'NO_REBOOT' | 'STAGED' | 'TRY';

/** `common.Metadata`; set by apid when it proxies a call to another node. */
export interface TalosMetadata {
  hostname: string;
  error: string;
}

/** One entry of `machine.VersionResponse.messages`. */
export interface TalosVersionMessage {
  metadata: TalosMetadata | null;
  version: { tag: string; sha: string; built: string; goVersion: string; os: string; arch: string } | null;
  platform: { name: string; mode: string } | null;
  features: { rbac: boolean } | null;
}

/** `machine.ApplyConfigurationRequest`. */
export interface ApplyConfigurationRequest {
  data: Buffer;
  mode: ApplyMode;
  dryRun: boolean;
}

/** One entry of `machine.ApplyConfigurationResponse.messages`. */
export interface ApplyConfigurationMessage {
  metadata: TalosMetadata | null;
  warnings: string[];
  mode: ApplyMode;
  modeDetails: string;
}

/** `machine.ResetRequest` (the fields Rackpilot uses). */
export interface ResetRequest {
  graceful: boolean;
  reboot: boolean;
  userDisksToWipe: string[];
  mode: 'ALL' | 'SYSTEM_DISK' | 'USER_DISKS';
}

/** `common.Data`: one chunk of a server stream. */
export interface DataChunk {
  metadata: TalosMetadata | null;
  bytes: Buffer;
}

/** The gRPC service definition of `machine.MachineService`. */
export type MachineServiceDefinition = grpc.ServiceDefinition;

let cached: { service: MachineServiceDefinition; Client: grpc.ServiceClientConstructor } | undefined;

/** Returns the service definition and generic client constructor, parsing the protos once. */
export function loadMachineService(): { service: MachineServiceDefinition; Client: grpc.ServiceClientConstructor } {
  if (cached) return cached;
  const definition = protoLoader.loadSync('machine/machine.proto', {
    includeDirs: [TALOS_PROTO_DIR],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    machine: { MachineService: grpc.ServiceClientConstructor };
  };
  cached = { service: pkg.machine.MachineService.service, Client: pkg.machine.MachineService };
  return cached;
}
