/**
 * Failures of the native IPMI client as the BMC errors `ipmitool-failures.ts` classifies for the same
 * situations: same types, same retryability, messages that read alike, so a job behaves the same
 * whichever client the agent runs.
 */
import {
  BmcAuthFailedError,
  BmcCommandFailedError,
  type BmcError,
  type BmcErrorDetails,
  BmcSessionLimitError,
  BmcUnreachableError,
  BmcUnsupportedError,
  isBmcError,
} from '../bmc-errors.js';
import { hex } from './rmcp-answers.js';
import * as ipmi from './rmcp-commands.js';
import { RAKP_STATUS } from './rmcp-packets.js';
import { RmcpError, RmcpProtocolError } from './rmcp-session.js';

/** Completion codes as ipmitool 1.8.19 names them (`lib/ipmi_strings.c`, `completion_code_vals`). */
const COMPLETION_CODES: Record<number, string> = {
  0xc0: 'Node busy',
  0xc1: 'Invalid command',
  0xc2: 'Invalid command on LUN',
  0xc3: 'Timeout',
  0xc4: 'Out of space',
  0xc5: 'Reservation cancelled or invalid',
  0xc6: 'Request data truncated',
  0xc7: 'Request data length invalid',
  0xc8: 'Request data field length limit exceeded',
  0xc9: 'Parameter out of range',
  0xca: 'Cannot return number of requested data bytes',
  0xcb: 'Requested sensor, data, or record not found',
  0xcc: 'Invalid data field in request',
  0xcd: 'Command illegal for specified sensor or record type',
  0xce: 'Command response could not be provided',
  0xcf: 'Cannot execute duplicated request',
  0xd0: 'SDR Repository in update mode',
  0xd1: 'Device firmeware in update mode', // sic: ipmitool's spelling
  0xd2: 'BMC initialization in progress',
  0xd3: 'Destination unavailable',
  0xd4: 'Insufficient privilege level',
  0xd5: 'Command not supported in present state',
  0xd6: 'Cannot execute command, command disabled',
  0xff: 'Unspecified error',
};

/** The codes ipmitool names apart for (Get|Set) System Boot Options (`lib/ipmi_chassis.c`). */
const BOOT_OPTION_CODES: Record<number, string> = {
  0x80: 'Unsupported parameter',
  0x81: "Attempt to set 'in progress' while not in 'complete' state",
  0x82: 'Parameter is read-only',
};

/** ipmitool-failures.ts' UNSUPPORTED_CODES, by number ("Unsupported parameter" only for boot options). */
const UNSUPPORTED_CODES = new Set([0xc1, 0xc2, 0xc9, 0xcc, 0xd5]);
/** ipmitool-failures.ts' BUSY_CODES, by number: worth another try a few seconds later. */
const BUSY_CODES = new Set([0xc0, 0xc3, 0xc4, 0xce, 0xd0, 0xd1, 0xd2, 0xd3]);
/** ipmitool-failures.ts counts "Insufficient privilege level" with the rejected credentials. */
const INSUFFICIENT_PRIVILEGE = 0xd4;

/** Returns the completion code's text as ipmitool prints it after `... failed: `. */
export function completionCodeName(command: string, code: number): string {
  const bootOption = command.includes('System Boot Options') ? BOOT_OPTION_CODES[code] : undefined;
  return bootOption ?? COMPLETION_CODES[code] ?? `Unknown (0x${hex(code)})`;
}

type SetupFailure = 'auth' | 'sessionLimit' | 'cipher';

/**
 * RMCP+ / RAKP status codes (spec table 13-15) as ipmitool-failures.ts classifies the words ipmitool
 * prints for them (`src/plugins/lanplus/lanplus_strings.c`). Absent codes fail the handshake only.
 */
const SETUP_STATUSES: Record<number, SetupFailure> = {
  [RAKP_STATUS.insufficientResources]: 'sessionLimit',
  [RAKP_STATUS.invalidAuthenticationAlgorithm]: 'cipher',
  [RAKP_STATUS.invalidIntegrityAlgorithm]: 'cipher',
  0x06: 'cipher', // no matching authentication payload
  0x07: 'cipher', // no matching integrity payload
  [RAKP_STATUS.invalidConfidentialityAlgorithm]: 'cipher',
  [RAKP_STATUS.noCipherSuiteMatch]: 'cipher',
  [RAKP_STATUS.invalidRole]: 'auth',
  [RAKP_STATUS.unauthorizedRole]: 'auth',
  0x0b: 'auth', // insufficient resources for role
  0x0c: 'auth', // invalid name length
  [RAKP_STATUS.unauthorizedName]: 'auth',
};

/**
 * Maps any failure of a session or command to the BMC error ipmitool's driver throws for the same
 * situation. `details` (bmc, operation) go on the error; the failure's own message becomes `output`.
 * Errors that already are BMC errors keep their type and get the details they lack.
 */
export function toBmcError(err: unknown, details: BmcErrorDetails): BmcError {
  if (isBmcError(err)) {
    Object.assign(err.details, { ...details, ...err.details });
    return err;
  }
  const where = details.bmc ? ` at ${details.bmc}` : '';
  const output = err instanceof Error ? err.message : String(err);
  const withOutput = { ...details, output };
  if (err instanceof ipmi.RmcpCommandError) return commandFailure(err, where, details);
  if (err instanceof RmcpError) {
    if (err.kind === 'auth') return new BmcAuthFailedError(`BMC${where} rejected the credentials`, withOutput, err);
    if (err.kind === 'unreachable') return new BmcUnreachableError(`BMC${where} is unreachable`, withOutput, err);
    return protocolFailure(err, where, withOutput);
  }
  return new BmcCommandFailedError(`IPMI session failed${where}: ${output}`, {
    retryable: false,
    details: withOutput,
    cause: err,
  });
}

function commandFailure(err: ipmi.RmcpCommandError, where: string, details: BmcErrorDetails): BmcError {
  const code = err.completionCode;
  const name = completionCodeName(err.command, code);
  // The line ipmitool would print, so both drivers' errors read alike.
  const withOutput = { ...details, output: `${err.command} failed: ${name}` };
  const bootOption = err.command.includes('System Boot Options');
  if (code === INSUFFICIENT_PRIVILEGE)
    return new BmcAuthFailedError(`BMC${where} rejected the credentials`, withOutput, err);
  if (UNSUPPORTED_CODES.has(code) || (bootOption && code === 0x80))
    return new BmcUnsupportedError(`BMC${where} does not support this: ${name}`, withOutput, err);
  if (BUSY_CODES.has(code))
    return new BmcCommandFailedError(`BMC${where} is busy: ${name}`, {
      retryable: true,
      details: withOutput,
      cause: err,
    });
  return new BmcCommandFailedError(`BMC${where} refused the command: ${name}`, {
    retryable: false,
    details: withOutput,
    cause: err,
  });
}

/** The session's 'protocol' failures: the status code of a refused handshake step, else a few fixed words. */
function protocolFailure(err: RmcpError, where: string, details: BmcErrorDetails): BmcError {
  const { message } = err;
  const status = err instanceof RmcpProtocolError ? err.status : undefined;
  const setup = status === undefined ? undefined : SETUP_STATUSES[status];
  if (setup === 'auth') return new BmcAuthFailedError(`BMC${where} rejected the credentials`, details, err);
  if (setup === 'sessionLimit') return new BmcSessionLimitError(`BMC${where} has no free session`, details, err);
  if (setup === 'cipher' || /refused cipher suite|other algorithms than cipher suite/.test(message))
    return new BmcUnsupportedError(`BMC${where} does not support the configured cipher suite`, details, err);
  if (/does not support IPMI v2\.0/.test(message))
    return new BmcUnsupportedError(`BMC${where} does not support IPMI v2.0 (RMCP+)`, details, err);
  // ipmitool ends every other failed handshake with "Unable to establish IPMI v2 / RMCP+ session",
  // which ipmitool-failures.ts counts as unreachable: on a lossy network it mostly is.
  if (/no session after|Get Channel Authentication Capabilities failed/.test(message))
    return new BmcUnreachableError(`BMC${where} is unreachable`, details, err);
  return new BmcCommandFailedError(`IPMI session failed${where}: ${message}`, {
    retryable: false,
    details,
    cause: err,
  });
}
