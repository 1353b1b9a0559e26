import { describe, expect, it } from 'vitest';
import { sshFixture } from '../../test/fixtures/ssh/read-fixture.js';
import { canAtaSecureErase, parseHdparmIdentify } from './hdparm-parser.js';

describe('parseHdparmIdentify', () => {
  it('sees a SATA SSD frozen by the BIOS, with deterministic zeros after TRIM', () => {
    const caps = parseHdparmIdentify(sshFixture('hdparm-sata-ssd-frozen.txt'));
    expect(caps).toEqual({
      securitySupported: true,
      securityEnabled: false,
      locked: false,
      frozen: true,
      enhancedEraseSupported: true,
      eraseMinutes: 2,
      trimSupported: true,
      zeroesAfterTrim: true,
    });
    expect(canAtaSecureErase(caps)).toBe(false);
  });

  it('allows secure erase of an HDD that is supported and not frozen, with its 478 min estimate', () => {
    const caps = parseHdparmIdentify(sshFixture('hdparm-sata-hdd.txt'));
    expect(caps).toMatchObject({ securitySupported: true, frozen: false, eraseMinutes: 478, trimSupported: false });
    expect(canAtaSecureErase(caps)).toBe(true);
  });

  it('sees a drive without the security feature set and with non-deterministic TRIM', () => {
    const caps = parseHdparmIdentify(sshFixture('hdparm-sata-ssd-no-security.txt'));
    expect(caps).toMatchObject({ securitySupported: false, trimSupported: true, zeroesAfterTrim: false });
    expect(canAtaSecureErase(caps)).toBe(false);
  });

  it('refuses a drive whose password is already set', () => {
    const text = sshFixture('hdparm-sata-hdd.txt').replace('\tnot\tenabled', '\t\tenabled');
    expect(parseHdparmIdentify(text)?.securityEnabled).toBe(true);
    expect(canAtaSecureErase(parseHdparmIdentify(text))).toBe(false);
  });

  it('returns null for a non-ATA answer (SAS disk)', () => {
    expect(parseHdparmIdentify('\n/dev/sdc:\n SG_IO: bad/missing sense data, sb[]:  70 00 05 00\n')).toBeNull();
  });
});
