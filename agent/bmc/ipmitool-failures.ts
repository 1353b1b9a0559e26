import type { CommandResult } from '../exec/run-command.js';
import {
  BmcAuthFailedError,
  BmcCommandFailedError,
  type BmcError,
  type BmcErrorDetails,
  BmcSessionLimitError,
  BmcUnreachableError,
  BmcUnsupportedError,
} from './bmc-errors.js';

/**
 * Maps a failed ipmitool run to a typed BMC error. The patterns come from recorded output
 * (`test/fixtures/ipmitool/*.stderr.txt`) and from ipmitool's own message tables
 * (`src/plugins/lanplus/lanplus_strings.c`, `lib/ipmi_strings.c` completion codes).
 *
 * ipmitool runs with `-v`: without it every session failure, wrong password and dead BMC alike,
 * prints only "Unable to establish IPMI v2 / RMCP+ session". With it, the cause comes first.
 */

/** Lines ipmitool prints at `-v` on every run, success or not. Dropped from error details. */
const VERBOSE_CHATTER = [
  /^Loading IANA PEN Registry/,
  /^Running Get VSO Capabilities/,
  /^Invalid completion code received: Invalid command$/,
  /^Discovered IPMB address/,
];

/** Credentials rejected: RAKP 2 HMAC (wrong password), unknown user, role the user may not take. */
const AUTH = [
  /RAKP 2 HMAC is invalid/i,
  /RAKP 4 message has invalid integrity check value/i,
  /unauthorized name/i,
  /invalid (user ?)?name/i,
  /unauthorized role requested/i,
  /invalid role/i,
  /insufficient resources for role/i,
  /Insufficient privilege level/i,
  /password invalid|invalid password/i,
];

/** The BMC's session table is full (RAKP status 0x01). */
const SESSION_LIMIT = [/insufficient resources for session/i];

/** The BMC does not offer the requested cipher suite. */
const CIPHER = [
  /invalid (authentication|integrity|confidentiality) algorithm/i,
  /no matching (authentication|integrity|confidentiality)/i,
];

/** Nothing answered. */
const UNREACHABLE = [
  // ipmitool's messages for a request that got no response at all (`rsp == NULL`) inside a session.
  /^Unable to (get|set) Chassis/m,
  /^Error (setting|Getting) Chassis Boot Parameter \d+$/m,
  /^Error sending Chassis Status command$/m,
  /^Get Device ID command failed$/m,
  /Get Auth Capabilities error/,
  /Error issuing Get Channel Authentication Capabilities/,
  /No response from remote controller/,
  /Address lookup for .* failed/,
  /Unable to establish IPMI v2 \/ RMCP\+ session/,
  /Unable to establish LAN session/,
  /Connection refused|No route to host|Network is unreachable/,
];

/** Completion codes (`... failed: <text>`) that mean "this BMC cannot do that". */
const UNSUPPORTED_CODES = [
  'Invalid command',
  'Invalid command on LUN',
  'Invalid data field in request',
  'Command not supported in present state',
  'Unsupported parameter',
  'Parameter out of range',
];

/** Completion codes worth another try a few seconds later (Ironic's `IPMITOOL_RETRYABLE_FAILURES` and kin). */
const BUSY_CODES = [
  'Node busy',
  'Timeout',
  'Out of space',
  'Command response could not be provided',
  'BMC initialization in progress',
  'Device firmeware in update mode', // sic: ipmitool's spelling
  'SDR Repository in update mode',
  'Destination unavailable',
];

/** Returns stderr without the `-v` chatter, trimmed to the last lines, for error details. */
export function meaningfulOutput(stderr: string, maxLines = 8): string {
  return stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !VERBOSE_CHATTER.some((re) => re.test(line)))
    .slice(-maxLines)
    .join('\n');
}

/** The completion-code text of the first `... failed: <text>` line, if any. */
export function completionCodeText(stderr: string): string | undefined {
  const match = /failed: (.+)$/m.exec(stderr);
  return match?.[1]?.trim();
}

/**
 * Classifies a failed run. `run.timedOut` (our own hard timeout) counts as unreachable. Returns
 * `BmcCommandFailed` (not retryable) when nothing matches: unknown failures are reported, not retried.
 */
export function classifyIpmitoolFailure(
  run: Pick<CommandResult, 'stderr' | 'timedOut' | 'exitCode'>,
  details: BmcErrorDetails,
): BmcError {
  const output = meaningfulOutput(run.stderr);
  const withOutput = { ...details, output };
  const where = details.bmc ? ` at ${details.bmc}` : '';
  const any = (patterns: RegExp[]): boolean => patterns.some((re) => re.test(run.stderr));

  if (run.timedOut)
    return new BmcUnreachableError(`BMC${where} did not answer before the command timed out`, withOutput);
  if (any(AUTH)) return new BmcAuthFailedError(`BMC${where} rejected the credentials`, withOutput);
  if (any(SESSION_LIMIT)) return new BmcSessionLimitError(`BMC${where} has no free session`, withOutput);
  if (any(CIPHER))
    return new BmcUnsupportedError(`BMC${where} does not support the configured cipher suite`, withOutput);

  const code = completionCodeText(run.stderr);
  if (code !== undefined) {
    if (UNSUPPORTED_CODES.includes(code))
      return new BmcUnsupportedError(`BMC${where} does not support this: ${code}`, withOutput);
    if (BUSY_CODES.includes(code)) {
      return new BmcCommandFailedError(`BMC${where} is busy: ${code}`, { retryable: true, details: withOutput });
    }
    return new BmcCommandFailedError(`BMC${where} refused the command: ${code}`, {
      retryable: false,
      details: withOutput,
    });
  }
  if (any(UNREACHABLE)) return new BmcUnreachableError(`BMC${where} is unreachable`, withOutput);
  return new BmcCommandFailedError(`ipmitool failed${where} (exit ${String(run.exitCode)})`, {
    retryable: false,
    details: withOutput,
  });
}
