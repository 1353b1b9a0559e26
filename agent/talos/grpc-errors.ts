import * as grpc from '@grpc/grpc-js';
import { TalosError, TalosErrorCodes } from './talos-errors.js';

/**
 * Classifies a failed Talos gRPC call into a {@link TalosError}. TLS failures surface in
 * grpc-js as UNAVAILABLE with the OpenSSL or Node reason in `details`; they are told apart
 * from plain connectivity failures by that text, because retrying a refused certificate
 * cannot help while retrying a node that is still booting can.
 */

/** Reasons Node/OpenSSL give when the peer refuses our certificate or we refuse theirs. */
const TLS_AUTH_FAILURE =
  /alert (unknown ca|bad certificate|certificate required|certificate unknown|unsupported certificate|certificate revoked|certificate expired|access denied|decrypt error)|certificate required|self[- ]signed certificate|unable to (get|verify) (local )?issuer|unable to verify the first certificate|certificate (has expired|is not yet valid|signature failure)|ERR_TLS_CERT_ALTNAME_INVALID|Hostname\/IP does not match|wrong version number|no shared cipher|unsupported protocol|tlsv1 alert|sslv3 alert/i;

/** True for a grpc-js ServiceError. */
export function isServiceError(err: unknown): err is grpc.ServiceError {
  return (
    typeof err === 'object' &&
    err !== null &&
    'code' in err &&
    'details' in err &&
    typeof (err as { code: unknown }).code === 'number'
  );
}

/** Maps any error of a Talos RPC to a {@link TalosError}; `rpc` names the call for the message. */
export function toTalosError(err: unknown, rpc: string, endpoint: string): TalosError {
  if (err instanceof TalosError) return err;
  if (!isServiceError(err)) {
    return new TalosError(TalosErrorCodes.RpcFailed, `Talos ${rpc} on ${endpoint} failed: ${String(err)}`, {
      cause: err,
    });
  }
  const where = `Talos ${rpc} on ${endpoint}`;
  const options = {
    grpcCode: err.code,
    cause: err,
    details: { grpcCode: grpc.status[err.code], grpcDetails: err.details },
  };
  switch (err.code) {
    case grpc.status.UNAVAILABLE:
      if (TLS_AUTH_FAILURE.test(err.details)) {
        return new TalosError(TalosErrorCodes.AuthFailed, `${where}: mutual TLS failed (${err.details})`, options);
      }
      return new TalosError(TalosErrorCodes.Unreachable, `${where}: node unreachable (${err.details})`, options);
    case grpc.status.DEADLINE_EXCEEDED:
      return new TalosError(TalosErrorCodes.Unreachable, `${where}: no answer before the deadline`, options);
    case grpc.status.UNAUTHENTICATED:
      return new TalosError(TalosErrorCodes.AuthFailed, `${where}: not authenticated (${err.details})`, options);
    case grpc.status.PERMISSION_DENIED:
      return new TalosError(
        TalosErrorCodes.PermissionDenied,
        `${where}: our role may not call this (${err.details})`,
        options,
      );
    case grpc.status.UNIMPLEMENTED:
      if (/control plane/i.test(err.details)) {
        return new TalosError(TalosErrorCodes.NotControlPlane, `${where}: ${err.details}`, options);
      }
      return new TalosError(
        TalosErrorCodes.RequestRejected,
        `${where}: not available on this node (${err.details})`,
        options,
      );
    case grpc.status.INVALID_ARGUMENT:
    case grpc.status.FAILED_PRECONDITION:
    case grpc.status.ALREADY_EXISTS:
    case grpc.status.NOT_FOUND:
    case grpc.status.OUT_OF_RANGE:
      return new TalosError(TalosErrorCodes.RequestRejected, `${where} was rejected: ${err.details}`, options);
    default:
      return new TalosError(
        TalosErrorCodes.RpcFailed,
        `${where} failed: ${grpc.status[err.code]} ${err.details}`,
        options,
      );
  }
}
