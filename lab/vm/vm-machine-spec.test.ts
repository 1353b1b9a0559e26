import { describe, expect, it } from 'vitest';
import { defaultServerSpec } from '../machine/machine-spec.js';
import { vmMachineSpec } from './vm-machine-spec.js';

describe('vmMachineSpec', () => {
  it('keeps the simulated lab’s identity for the same index: name, BMC, MAC, SATA serial and WWN', () => {
    const sim = defaultServerSpec(2, { dataDisks: 1 });
    const vm = vmMachineSpec(2);
    expect(vm).toMatchObject({ name: sim.name, mac: sim.nics[0]!.mac, dmi: sim.dmi });
    expect(vm.bmc).toEqual({ address: sim.bmcAddress, username: sim.bmcUsername, password: sim.bmcPassword });
    expect(vm.disks.map((d) => [d.name, d.controller, d.serial])).toEqual([
      ['nvme0n1', 'nvme', sim.disks[0]!.serial],
      ['sda', 'sata', sim.disks[1]!.serial],
    ]);
    expect(vm.disks[1]!.wwn).toBe(sim.disks[1]!.wwn);
  });

  it('stays within the VM budget: at most 512 MiB', () => {
    expect(vmMachineSpec(0).memoryMiB).toBe(512);
    expect(() => vmMachineSpec(0, { memoryMiB: 1024 })).toThrow(/256–512/);
  });
});
