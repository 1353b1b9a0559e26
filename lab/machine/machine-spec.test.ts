import { describe, expect, it } from 'vitest';
import { defaultServerSpec } from './machine-spec.js';

describe('lab machine specs', () => {
  it('are the same for the same index and unique across a lab of 200', () => {
    expect(defaultServerSpec(4)).toEqual(defaultServerSpec(4));
    const specs = Array.from({ length: 200 }, (_, i) => defaultServerSpec(i));
    const unique = (values: string[]) => new Set(values).size === values.length;
    expect(unique(specs.map((s) => s.name))).toBe(true);
    expect(unique(specs.map((s) => s.bmcAddress))).toBe(true);
    expect(unique(specs.flatMap((s) => s.nics.map((n) => n.mac)))).toBe(true);
    expect(unique(specs.flatMap((s) => s.disks.map((d) => d.serial)))).toBe(true);
    expect(unique(specs.flatMap((s) => s.disks.map((d) => d.wwn ?? '')))).toBe(true);
    for (const spec of specs) expect(spec.bmcAddress).toMatch(/^127\.20\.0\.\d{1,3}$/);
  });

  it('gives an NVMe boot disk and data disks of the asked size, marking failing disks', () => {
    const spec = defaultServerSpec(0, { diskSizeBytes: 8 << 20, dataDisks: 3, faults: { failWipeDisks: ['sdb'] } });
    expect(spec.name).toBe('lab-01');
    expect(spec.bmcAddress).toBe('127.20.0.2');
    expect(spec.disks.map((d) => [d.name, d.sizeBytes, d.failWipe ?? false])).toEqual([
      ['nvme0n1', 8 << 20, false],
      ['sda', 8 << 20, false],
      ['sdb', 8 << 20, true],
      ['sdc', 8 << 20, false],
    ]);
    expect(spec.nics[0]?.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
  });

  it('refuses an index the loopback plan has no room for', () => {
    expect(() => defaultServerSpec(251)).toThrow(/out of range/);
  });
});
