import { describe, expect, it } from 'vitest';
import { installDisk, provisionBody } from './provision-body.js';

describe('the body of `assets provision`', () => {
  it('builds a Talos body from flags', () => {
    expect(
      provisionBody(
        {},
        { ip: '10.0.0.5', subnet: '24', gateway: '10.0.0.1', hostname: 'n1', installDisk: 'wwn:eui.1' },
      ),
    ).toEqual({
      os: 'talos',
      network: { ip: '10.0.0.5', subnet: '24', gateway: '10.0.0.1' },
      hostname: 'n1',
      installDisk: { wwn: 'eui.1' },
    });
  });

  it('lays flags over the file’s fields, the network field by field', () => {
    const file = {
      os: 'talos',
      version: 'v1.10.5',
      network: { ip: '10.0.0.5', subnet: 24, gateway: '10.0.0.1' },
      dns: ['1.1.1.1'],
    };
    expect(provisionBody(file, { ip: '10.0.0.6', talosVersion: 'v1.10.6' })).toEqual({
      os: 'talos',
      version: 'v1.10.6',
      network: { ip: '10.0.0.6', subnet: 24, gateway: '10.0.0.1' },
      dns: ['1.1.1.1'],
    });
  });

  it('takes an install disk by path, WWN or serial, and nothing else', () => {
    expect(installDisk('/dev/nvme0n1')).toBe('/dev/nvme0n1');
    expect(installDisk('serial:S4EVNX0N')).toEqual({ serial: 'S4EVNX0N' });
    expect(installDisk('wwn:naa.5000:c5')).toEqual({ wwn: 'naa.5000:c5' });
    expect(() => installDisk('nvme0n1')).toThrow(/--install-disk takes/);
    expect(() => installDisk('wwn:')).toThrow(/--install-disk takes/);
  });
});
