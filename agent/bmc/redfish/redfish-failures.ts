/**
 * Maps what a Redfish BMC answered (or failed to) to the typed BMC errors every driver throws, so
 * workflows see `BmcAuthFailed` whether the BMC speaks IPMI or Redfish.
 */
import {
  BmcAuthFailedError,
  BmcCertificateRejectedError,
  BmcCommandFailedError,
  type BmcError,
  type BmcErrorDetails,
  BmcSessionLimitError,
  BmcUnreachableError,
  BmcUnsupportedError,
} from '../bmc-errors.js';
import type { RedfishResponse, RedfishTransportError } from './redfish-transport.js';

/** The messages of a Redfish error body (`error.message` and each `@Message.ExtendedInfo` Message). */
export function redfishErrorMessages(body: unknown): string[] {
  const error = (body as { error?: Record<string, unknown> } | undefined)?.error;
  if (error === undefined || typeof error !== 'object') return [];
  const messages: string[] = [];
  if (typeof error.message === 'string') messages.push(error.message);
  const extended = error['@Message.ExtendedInfo'];
  if (Array.isArray(extended)) {
    for (const info of extended as Array<Record<string, unknown>>) {
      const text = typeof info.Message === 'string' ? info.Message : undefined;
      const id = typeof info.MessageId === 'string' ? info.MessageId : undefined;
      if (text !== undefined || id !== undefined) messages.push([id, text].filter(Boolean).join(': '));
    }
  }
  return messages;
}

/** Message ids that mean "too many sessions" (DMTF Base registry, and iDRAC's own). */
const SESSION_LIMIT_IDS = /SessionLimitExceeded|RAC0218|NoValidSession.*Limit/i;

/** Returns the BMC error for a response with a failure status. */
export function classifyRedfishResponse(response: RedfishResponse, details: BmcErrorDetails): BmcError {
  const messages = redfishErrorMessages(response.body);
  const said = messages.length > 0 ? messages.join('; ') : response.text.trim().slice(0, 300);
  const withOutput: BmcErrorDetails = { ...details, output: said || undefined };
  const what = `${details.operation ?? 'request'} on ${details.bmc ?? 'BMC'}`;
  const status = response.status;
  if (status === 401) return new BmcAuthFailedError(`BMC refused the credentials (${what}: HTTP 401)`, withOutput);
  if (status === 403) {
    return new BmcAuthFailedError(`BMC user lacks the privilege for ${what} (HTTP 403)`, withOutput);
  }
  if (SESSION_LIMIT_IDS.test(said) || (status === 503 && /session/i.test(said))) {
    return new BmcSessionLimitError(`BMC has no free session (${what})`, withOutput);
  }
  if (status === 405 || status === 501) {
    return new BmcUnsupportedError(`BMC does not support ${what} (HTTP ${status})`, withOutput);
  }
  // 409: the BMC is busy with another change (a pending BIOS job, a power transition); 412: our ETag is stale.
  // 429, 5xx: overloaded or restarting, which BMCs do.
  const retryable = status === 409 || status === 412 || status === 429 || status >= 500;
  return new BmcCommandFailedError(`BMC answered HTTP ${status} to ${what}${said ? `: ${said}` : ''}`, {
    retryable,
    details: withOutput,
  });
}

/** Returns the BMC error for a request that got no answer. */
export function classifyTransportError(err: RedfishTransportError, details: BmcErrorDetails): BmcError {
  const what = `${details.operation ?? 'request'} on ${details.bmc ?? 'BMC'}`;
  if (err.kind === 'certificate') {
    return new BmcCertificateRejectedError(
      `BMC certificate rejected (${what}): ${err.message}. Nothing was sent; check the BMC's fingerprint or CA.`,
      details,
      err,
    );
  }
  if (err.kind === 'aborted') {
    return new BmcCommandFailedError(`${what} aborted`, { retryable: false, details, cause: err });
  }
  return new BmcUnreachableError(`BMC did not answer (${what}): ${err.message}`, details, err);
}
