import { describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/logger.js';
import { BmcAuthFailedError, BmcUnreachableError } from './bmc-errors.js';
import { FakeBmcDriver } from './fake-bmc-driver.js';
import { LoggingBmcDriver } from './logging-bmc-driver.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('agent', {
    level: 'debug',
    destination: { write: (msg: string) => lines.push(JSON.parse(msg)) },
  });
  return { lines, logger };
}

describe('LoggingBmcDriver', () => {
  it('logs each operation with its context, input, result and duration, and passes results through', async () => {
    const { lines, logger } = capture();
    const driver = new LoggingBmcDriver(new FakeBmcDriver(), logger, { assetId: 'a-1', bmc: '10.0.0.5:623' });
    await driver.setBootDevice('pxe', { once: true, efi: true });
    expect(await driver.powerState()).toBe('off');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        component: 'agent',
        assetId: 'a-1',
        bmc: '10.0.0.5:623',
        operation: 'setBootDevice',
        device: 'pxe',
        once: true,
        efi: true,
        durationMs: expect.any(Number),
        msg: 'BMC setBootDevice done',
      }),
      expect.objectContaining({ level: 20, operation: 'powerState', power: 'off' }),
    ]);
  });

  it('logs a failure with its type, code and attempts, and rethrows it unchanged', async () => {
    const { lines, logger } = capture();
    const error = new BmcUnreachableError('no answer', { attempts: 4 });
    const driver = new LoggingBmcDriver(new FakeBmcDriver().failNext('powerOn', error), logger);
    await expect(driver.powerOn()).rejects.toBe(error);
    expect(lines[0]).toMatchObject({
      level: 40,
      operation: 'powerOn',
      failure: { type: 'BmcUnreachable', code: 'BMC_UNREACHABLE', retryable: true, attempts: 4 },
    });
  });

  it('never writes a password into the log, even one carried in context by mistake', async () => {
    const { lines, logger } = capture();
    const driver = new LoggingBmcDriver(
      new FakeBmcDriver().failNext('checkCredentials', new BmcAuthFailedError('BMC rejected the credentials')),
      logger,
      { password: 'Sup3r-Secret' },
    );
    await expect(driver.checkCredentials()).rejects.toBeInstanceOf(BmcAuthFailedError);
    expect(JSON.stringify(lines)).not.toContain('Sup3r-Secret');
  });
});
