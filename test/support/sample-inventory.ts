import type { Inventory } from '../../shared/inventory.js';

/** A plausible two-disk server, as the agent's SSH inventory would report it. */
export function sampleInventory(macSuffix = '01'): Inventory {
  return {
    cpu: { model: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz', cores: 32, threads: 64, sockets: 1 },
    memory: { totalBytes: 68_719_476_736 },
    disks: [
      {
        name: 'nvme0n1',
        path: '/dev/nvme0n1',
        sizeBytes: 960_197_124_096,
        model: 'SAMSUNG MZQL2960HCJR-00A07',
        serial: `S64FNE0R${macSuffix}0001`,
        wwn: `eui.36344630528${macSuffix}0001`,
        rotational: false,
        transport: 'nvme',
        type: 'disk',
      },
      {
        name: 'sda',
        path: '/dev/sda',
        sizeBytes: 4_000_787_030_016,
        model: 'ST4000NM000A-2HZ100',
        serial: `WJG0${macSuffix}AB`,
        wwn: `0x5000c500${macSuffix}a1b2c3`,
        rotational: true,
        transport: 'sata',
        type: 'disk',
      },
    ],
    nics: [{ name: 'eno1', mac: `52:54:00:aa:00:${macSuffix}`, speedMbps: 25_000, state: 'up' }],
    dmi: { vendor: 'Supermicro', product: 'SYS-1029U-TRT', serial: `S${macSuffix}2334` },
  };
}
