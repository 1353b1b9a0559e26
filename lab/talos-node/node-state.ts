import type { SigningCa } from './pki.js';
import type { LabMachineConfig } from './machine-config.js';

/** Fault injection and timing knobs of a simulated Talos node. */
export interface TalosNodeFaults {
  /** The first N Bootstrap calls answer FailedPrecondition ("bootstrap is not available yet"). */
  bootstrapFailedPreconditionCount?: number;
  /** The Talos API starts listening only this long after `startTalosNode` (time to boot). */
  apiStartDelayMs?: number;
  /** After bootstrap, `/readyz` answers 500 for this long before `ok` (control plane starting). */
  kubeApiReadyDelayMs?: number;
  /** Split the Kubeconfig archive into `common.Data` chunks of this size (Talos sends one). */
  kubeconfigChunkBytes?: number;
}

/** The mutable state of one simulated Talos node. */
export interface NodeState {
  ip: string;
  config: LabMachineConfig;
  /** A config applied with mode STAGED, to take effect at the next boot. */
  stagedConfigYaml: string | undefined;
  /** The Kubernetes CA with its key (control planes only). */
  kubernetesCa: SigningCa | undefined;
  bootstrapped: boolean;
  bootstrapCalls: number;
  bootstrapRefusalsLeft: number;
  /** `running` until a Reset wipes the node (it then stops serving). */
  phase: 'running' | 'reset';
  faults: TalosNodeFaults;
  version: { tag: string; sha: string; built: string; goVersion: string; os: string; arch: string };
}
