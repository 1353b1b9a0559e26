import { describe, expect, it } from 'vitest';
import { sshFixture } from '../../test/fixtures/ssh/read-fixture.js';
import { identityProblems, normalizeWwn, resolveTargets } from './disk-identity.js';
import { DiskIdentityMismatchError } from './errors.js';
import { parseLsblk } from './inventory-parsers.js';

const disks = parseLsblk(sshFixture('lsblk-server.json'));

describe('disk identity', () => {
  it('accepts a disk whose serial and WWN match, in any WWN spelling', () => {
    expect(normalizeWwn('0x500A07512A3B4C5D')).toBe(normalizeWwn('naa.500a07512a3b4c5d'));
    const [sda] = resolveTargets([{ path: '/dev/sda', serial: '2140311a2b3c', wwn: '500A07512A3B4C5D' }], disks);
    expect(sda?.model).toBe('Micron_5300_MTFDDAK960TDS');
  });

  it('refuses a disk whose serial differs, as a non-retryable DISK_IDENTITY_MISMATCH', () => {
    const attempt = () => resolveTargets([{ path: '/dev/sdb', serial: '2140311A2B3C' }], disks);
    expect(attempt).toThrow(DiskIdentityMismatchError);
    try {
      attempt();
    } catch (err) {
      expect(err).toMatchObject({ code: 'DISK_IDENTITY_MISMATCH', retryable: false });
      expect((err as Error).message).toContain('expected serial 2140311A2B3C, found WJG1A2B3');
    }
  });

  it('refuses when the WWN differs even if the serial matches', () => {
    expect(identityProblems({ path: '/dev/sda', serial: '2140311A2B3C', wwn: '0x5000c500d1e2f3a4' }, disks[0])).toEqual(
      ['expected WWN 0x5000c500d1e2f3a4, found 0x500a07512a3b4c5d'],
    );
  });

  it('refuses a missing device, a partition, a device without serial, and a path named twice', () => {
    expect(() => resolveTargets([{ path: '/dev/sdz', serial: 'X' }], disks)).toThrow(/no whole disk at \/dev\/sdz/);
    expect(() => resolveTargets([{ path: '/dev/sdb1', serial: 'WJG1A2B3' }], disks)).toThrow(DiskIdentityMismatchError);
    const vda = parseLsblk(sshFixture('lsblk-host.json'));
    expect(() => resolveTargets([{ path: '/dev/vda', serial: 'S1' }], vda)).toThrow(/device reports none/);
    const twice = { path: '/dev/sda', serial: '2140311A2B3C' };
    expect(() => resolveTargets([twice, twice], disks)).toThrow(/named twice/);
  });
});
