import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { toTalosError } from './grpc-errors.js';
import { TalosErrorCodes } from './talos-errors.js';

function serviceError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(`${code} ${grpc.status[code]}: ${details}`), {
    code,
    details,
    metadata: new grpc.Metadata(),
  });
}

describe('toTalosError', () => {
  it.each([
    [
      grpc.status.UNAVAILABLE,
      'No connection established. Last error: connect ECONNREFUSED 127.10.0.9:50000',
      TalosErrorCodes.Unreachable,
      true,
    ],
    [grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded after 1.002s', TalosErrorCodes.Unreachable, true],
    [
      grpc.status.UNAVAILABLE,
      'No connection established. Last error: Error: self-signed certificate in certificate chain',
      TalosErrorCodes.AuthFailed,
      false,
    ],
    [
      grpc.status.UNAVAILABLE,
      'Connection dropped: error:0A000418:SSL routines::tlsv1 alert unknown ca',
      TalosErrorCodes.AuthFailed,
      false,
    ],
    [
      grpc.status.UNAVAILABLE,
      "Hostname/IP does not match certificate's altnames: IP: 10.0.0.2 is not in the cert's list: 10.0.0.3",
      TalosErrorCodes.AuthFailed,
      false,
    ],
    [
      grpc.status.UNAUTHENTICATED,
      'certificate is missing the client auth extended key usage',
      TalosErrorCodes.AuthFailed,
      false,
    ],
    [grpc.status.PERMISSION_DENIED, 'not authorized', TalosErrorCodes.PermissionDenied, false],
    [
      grpc.status.UNIMPLEMENTED,
      'bootstrap is only available on control plane nodes',
      TalosErrorCodes.NotControlPlane,
      false,
    ],
    [
      grpc.status.UNIMPLEMENTED,
      'machine type is not set, cannot use kubeconfig API',
      TalosErrorCodes.RequestRejected,
      false,
    ],
    [
      grpc.status.INVALID_ARGUMENT,
      'etcd is not configured, bootstrap is not possible',
      TalosErrorCodes.RequestRejected,
      false,
    ],
    [grpc.status.INTERNAL, 'boom', TalosErrorCodes.RpcFailed, true],
  ])('maps %s "%s" to %s (retryable: %s)', (code, details, expected, retryable) => {
    const error = toTalosError(serviceError(code, details), 'Bootstrap', '127.10.0.9:50000');
    expect(error.code).toBe(expected);
    expect(error.retryable).toBe(retryable);
    expect(error.grpcCode).toBe(code);
    expect(error.message).toContain('Talos Bootstrap on 127.10.0.9:50000');
  });

  it('wraps errors that are not gRPC errors as TalosRpcFailed', () => {
    expect(toTalosError(new Error('weird'), 'Version', 'x:1').code).toBe(TalosErrorCodes.RpcFailed);
  });
});
