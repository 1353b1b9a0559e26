/**
 * Temporal failure types raised by activities and agents (STYLE.md §3). Workflows branch on these
 * strings, never on `instanceof`. Each is a stable CamelCase token shown as `failureReason`.
 */
export const FailureTypes = {
  /** BMC credentials refused: retrying cannot help. */
  BmcAuthFailed: 'BmcAuthFailed',
  BmcUnreachable: 'BmcUnreachable',
  BmcUnsupported: 'BmcUnsupported',
  /** A Redfish BMC's certificate failed the operator's CA or fingerprint check; nothing was sent to it. */
  BmcCertificateRejected: 'BmcCertificateRejected',
  /** The machine that booted is not the one its BMC reports (serial, MACs): nothing was recorded. */
  AssetIdentityMismatch: 'AssetIdentityMismatch',
  /** A disk's serial/WWN differs from what the job expects: nothing was written. */
  DiskIdentityMismatch: 'DiskIdentityMismatch',
  /** Erase finished but read-back verification found data or signatures. */
  WipeVerificationFailed: 'WipeVerificationFailed',
  /** A machine did not reach the expected boot stage in time. */
  BootTimeout: 'BootTimeout',
  /** An agent job did not finish within its step's limit (raised by the workflow, not by an activity). */
  JobTimeout: 'JobTimeout',
  TalosAuthFailed: 'TalosAuthFailed',
  /** The asset was not in a state that allows this step (another request owns it). */
  AssetBusy: 'AssetBusy',
  AssetNotFound: 'AssetNotFound',
  ClusterNotFound: 'ClusterNotFound',
  /** A job's payload or result broke its schema. */
  InvalidJob: 'InvalidJob',
} as const;

export type FailureType = (typeof FailureTypes)[keyof typeof FailureTypes];

/** Failures no retry can fix; activity retry policies list them as non-retryable. */
export const NON_RETRYABLE_FAILURES: readonly string[] = [
  FailureTypes.BmcAuthFailed,
  FailureTypes.BmcUnsupported,
  FailureTypes.BmcCertificateRejected,
  FailureTypes.DiskIdentityMismatch,
  FailureTypes.AssetIdentityMismatch,
  FailureTypes.WipeVerificationFailed,
  FailureTypes.TalosAuthFailed,
  FailureTypes.AssetBusy,
  FailureTypes.AssetNotFound,
  FailureTypes.ClusterNotFound,
  FailureTypes.InvalidJob,
];
