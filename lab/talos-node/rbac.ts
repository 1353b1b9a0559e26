import type { PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';

/**
 * Authentication and authorization checks of the simulated node's Talos API, as apid and
 * machined do them (siderolabs/talos `internal/app/apid/service.go` `verifyExtKeyUsage`,
 * `pkg/grpc/middleware/authz`, roles per method in `system/services/machined.go`).
 */

/** Talos API roles, carried as Organization values of the client certificate. */
export type Role = 'os:admin' | 'os:operator' | 'os:reader' | 'os:etcd:backup';

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

type AnyCall = { getAuthContext(): { sslPeerCertificate?: PeerCertificate }; metadata: grpc.Metadata };

function organizations(subject: Record<string, string | string[] | undefined> | undefined): string[] {
  const value = subject?.O;
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Returns the gRPC status to fail the call with, or undefined when the caller may proceed.
 * The TLS layer has already verified that the client certificate chains to the OS CA.
 */
export function authorize(
  call: AnyCall,
  rule: { method: string; allowedRoles: Role[]; nodeIp: string },
): Partial<grpc.StatusObject> | undefined {
  const peer = call.getAuthContext().sslPeerCertificate;
  if (!peer) return { code: grpc.status.UNAUTHENTICATED, details: 'no verified client certificate' };
  // Real apid rejects this during the TLS handshake; the lab answers per call (see README).
  const usages = (peer as { ext_key_usage?: string[] }).ext_key_usage ?? [];
  if (usages.length !== 1 || usages[0] !== CLIENT_AUTH_OID) {
    return { code: grpc.status.UNAUTHENTICATED, details: 'certificate is missing the client auth extended key usage' };
  }
  const roles = organizations(peer.subject as unknown as Record<string, string | string[] | undefined>);
  if (!roles.some((role) => (rule.allowedRoles as string[]).includes(role))) {
    return { code: grpc.status.PERMISSION_DENIED, details: 'not authorized' };
  }
  const targets = [...call.metadata.get('node'), ...call.metadata.get('nodes')].map(String);
  const foreign = targets.find((target) => target !== rule.nodeIp);
  if (foreign !== undefined) {
    return {
      code: grpc.status.UNAVAILABLE,
      details: `the lab node does not proxy to other nodes (asked for ${foreign})`,
    };
  }
  return undefined;
}
