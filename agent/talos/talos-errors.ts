import { RackpilotError } from '../../shared/errors.js';

/**
 * Typed failures of the agent's Talos and Kubernetes calls. `code` is the stable token workflows
 * branch on (it becomes the Temporal failure type); `retryable` says whether trying again later
 * can help (a node still booting) or not (wrong credentials).
 */
export const TalosErrorCodes = {
  /** The Talos API could not be reached (refused, timed out, reset). Retryable. */
  Unreachable: 'TalosUnreachable',
  /** mTLS failed: our client cert was refused, or the node's cert does not chain to the OS CA / name its IP. */
  AuthFailed: 'TalosAuthFailed',
  /** The node authenticated us but our role may not call this RPC (Talos RBAC). */
  PermissionDenied: 'TalosPermissionDenied',
  /** The RPC does not apply to this node (e.g. bootstrap or kubeconfig on a worker). */
  NotControlPlane: 'TalosNotControlPlane',
  /** Bootstrap kept answering FailedPrecondition until the deadline. Retryable. */
  BootstrapTimeout: 'TalosBootstrapTimeout',
  /** The node rejected the request (InvalidArgument, bad config, ...). */
  RequestRejected: 'TalosRequestRejected',
  /** The node answered something Rackpilot cannot use (bad kubeconfig archive, empty reply). */
  BadResponse: 'TalosBadResponse',
  /** Any other gRPC failure. Retryable. */
  RpcFailed: 'TalosRpcFailed',
  /** Kubernetes `/readyz` did not answer `ok` before the deadline. Retryable. */
  KubeApiNotReady: 'KubeApiNotReady',
  /** Kubernetes refused the admin credentials or its certificate did not verify. */
  KubeAuthFailed: 'KubeAuthFailed',
  /** The kubeconfig could not be parsed or lacks the admin credentials. */
  KubeconfigInvalid: 'KubeconfigInvalid',
} as const;

export type TalosErrorCode = (typeof TalosErrorCodes)[keyof typeof TalosErrorCodes];

const RETRYABLE: ReadonlySet<TalosErrorCode> = new Set([
  TalosErrorCodes.Unreachable,
  TalosErrorCodes.BootstrapTimeout,
  TalosErrorCodes.RpcFailed,
  TalosErrorCodes.KubeApiNotReady,
]);

/** Thrown by the Talos client and the Kubernetes readiness waiter; see {@link TalosErrorCodes}. */
export class TalosError extends RackpilotError {
  /** True when trying again later may succeed. */
  readonly retryable: boolean;
  /** The gRPC status code behind the failure, when there was one. */
  readonly grpcCode: number | undefined;

  constructor(
    code: TalosErrorCode,
    message: string,
    options: { grpcCode?: number; cause?: unknown; details?: unknown } = {},
  ) {
    super(message, { code, status: RETRYABLE.has(code) ? 503 : 502, details: options.details, cause: options.cause });
    this.retryable = RETRYABLE.has(code);
    this.grpcCode = options.grpcCode;
  }
}

/** True when `err` is a {@link TalosError} with the given code. */
export function isTalosError(err: unknown, code?: TalosErrorCode): err is TalosError {
  return err instanceof TalosError && (code === undefined || err.code === code);
}
