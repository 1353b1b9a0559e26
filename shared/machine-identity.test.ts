import { describe, expect, it } from 'vitest';
import type { BmcHardware, Inventory } from './inventory.js';
import { compareMachineIdentity, describeIdentityMismatch, meaningfulSerial } from './machine-identity.js';

const booted = (serial: string | null, macs: string[]): Inventory => ({
  cpu: { model: 'x', cores: 1, threads: 1, sockets: 1 },
  memory: { totalBytes: 1 },
  disks: [],
  nics: macs.map((mac, i) => ({ name: `eno${i + 1}`, mac, speedMbps: null, state: 'up' })),
  dmi: { vendor: 'Dell Inc.', product: 'PowerEdge R650', serial },
});
const bmc = (serial: string | null, macs: string[]): BmcHardware => ({
  protocol: 'redfish',
  manufacturer: 'Dell Inc.',
  model: 'PowerEdge R650',
  serial,
  uuid: null,
  biosVersion: null,
  bmcFirmware: null,
  processors: { count: null, model: null },
  memoryBytes: null,
  drives: [],
  macs,
});

describe('machine identity: the booted machine against what its BMC reports', () => {
  it('agrees when the serial matches (case and spaces aside) and one MAC is shared', () => {
    expect(
      compareMachineIdentity(
        bmc('lab01 x00', ['b4:96:91:10:00:00']),
        booted('LAB01X00', ['b4:96:91:10:00:00', 'b4:96:91:10:00:01']),
      ),
    ).toEqual([]);
  });

  it('flags a different serial and disjoint MACs, and says so plainly', () => {
    const found = compareMachineIdentity(
      bmc('LAB01X00', ['b4:96:91:10:00:00']),
      booted('LAB02X07', ['3c:ec:ef:10:01:00']),
    );
    expect(found.map((m) => m.fact)).toEqual(['serial', 'macs']);
    expect(describeIdentityMismatch(found)).toMatch(
      /BMC reports serial LAB01X00 but the booted machine has LAB02X07.*none of the BMC's MACs/,
    );
  });

  it('checks nothing that either side leaves blank, or fills with a firmware placeholder', () => {
    expect(compareMachineIdentity(undefined, booted('A', ['aa:aa:aa:aa:aa:aa']))).toEqual([]);
    expect(compareMachineIdentity(bmc(null, []), booted('A', ['aa:aa:aa:aa:aa:aa']))).toEqual([]);
    expect(compareMachineIdentity(bmc('To Be Filled By O.E.M.', []), booted('A', []))).toEqual([]);
    expect(compareMachineIdentity(bmc('ABC', []), booted('Default string', []))).toEqual([]);
    expect(meaningfulSerial('0000000')).toBeUndefined();
    expect(meaningfulSerial(' cn7016 ')).toBe('CN7016');
  });
});
