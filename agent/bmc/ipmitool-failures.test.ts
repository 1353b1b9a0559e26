import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BMC_FAILURE_TYPES } from './bmc-errors.js';
import { classifyIpmitoolFailure, completionCodeText, meaningfulOutput } from './ipmitool-failures.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../test/fixtures/ipmitool/${name}`, import.meta.url), 'utf8');

const classify = (stderr: string, timedOut = false) =>
  classifyIpmitoolFailure(
    { stderr, timedOut, exitCode: timedOut ? null : 1 },
    { bmc: '127.0.0.1:623', operation: 'powerOn' },
  );

describe('classifyIpmitoolFailure', () => {
  it.each([
    ['ipmi-sim-wrong-password.stderr.txt', 'BmcAuthFailed', false],
    ['ipmi-sim-wrong-user.stderr.txt', 'BmcAuthFailed', false],
    ['real-bmc-unauthorized-role.stderr.txt', 'BmcAuthFailed', false],
    ['real-bmc-session-limit.stderr.txt', 'BmcSessionLimit', true],
    ['ipmi-sim-cipher-17.stderr.txt', 'BmcUnsupported', false],
    ['unreachable-closed-port.stderr.txt', 'BmcUnreachable', true],
    ['ipmi-sim-no-chassis-control-power-on.stderr.txt', 'BmcUnsupported', false],
    ['ipmi-sim-no-chassis-control-bootparam.stderr.txt', 'BmcUnsupported', false],
    ['ipmi-sim-no-chassis-control-bootdev.stderr.txt', 'BmcUnsupported', false],
    ['real-bmc-cycle-when-off.stderr.txt', 'BmcUnsupported', false],
    ['real-bmc-node-busy.stderr.txt', 'BmcCommandFailed', true],
    ['ipmi-sim-stalled-bootdev.stderr.txt', 'BmcUnreachable', true],
  ])('maps %s to %s (retryable: %s)', (name, type, retryable) => {
    const err = classify(fixture(name));
    expect(err.type).toBe(type);
    expect(err.retryable).toBe(retryable);
    expect(BMC_FAILURE_TYPES).toContain(err.type);
    expect(err.details).toMatchObject({ bmc: '127.0.0.1:623', operation: 'powerOn' });
  });

  it('treats our own hard timeout as unreachable', () => {
    expect(classify('', true).type).toBe('BmcUnreachable');
  });

  it('treats a bare "Unable to establish" (no -v detail) as unreachable, retryable', () => {
    const err = classify('Error: Unable to establish IPMI v2 / RMCP+ session\n');
    expect(err.type).toBe('BmcUnreachable');
    expect(err.retryable).toBe(true);
  });

  it('does not retry a completion code or an output it does not know', () => {
    expect(classify('Set Chassis Power Control to Up/On failed: Unspecified error\n')).toMatchObject({
      type: 'BmcCommandFailed',
      retryable: false,
    });
    expect(classify('something odd happened\n')).toMatchObject({ type: 'BmcCommandFailed', retryable: false });
  });

  it('keeps the meaningful lines of the output in details, without the -v chatter', () => {
    const err = classify(fixture('ipmi-sim-wrong-password.stderr.txt'));
    expect(err.details.output).toBe('> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session');
  });
});

describe('meaningfulOutput and completionCodeText', () => {
  it('finds nothing to report in the chatter of a successful verbose run', () => {
    expect(meaningfulOutput(fixture('ipmi-sim-verbose-success.stderr.txt'))).toBe('');
    expect(completionCodeText(fixture('ipmi-sim-verbose-success.stderr.txt'))).toBeUndefined();
  });

  it('reads the first completion code', () => {
    expect(completionCodeText(fixture('ipmi-sim-no-chassis-control-bootdev.stderr.txt'))).toBe(
      'Invalid data field in request',
    );
  });
});
