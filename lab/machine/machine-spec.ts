/**
 * What one virtual server is made of, generated deterministically from its index so a lab of N
 * machines looks the same on every run: a rack of mixed Dell/Supermicro/HPE boxes with an NVMe
 * boot disk, data disks, two onboard NICs and a BMC on its own loopback address.
 */
import type { TalosNodeFaults } from '../talos-node/node-state.js';
import type { LabDiskSpec, LabMachineSpec } from '../utility-os/types.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/** Faults one virtual server can be given. */
export interface VirtualServerFaults {
  /** The BMC drops this share of UDP packets (0..1; 1 = unreachable). */
  bmcDropRate?: number;
  /** The lab hands out a wrong BMC password for this server (enrolment fails with an auth error). */
  wrongPassword?: boolean;
  /** Names of disks whose erases "succeed" but change nothing (utility-os `failWipe`). */
  failWipeDisks?: string[];
  /** The server powers on but never gets past POST: no PXE, no disk boot. */
  neverBoots?: boolean;
  /** Faults of the Talos node the server runs once installed (e.g. a slow Kubernetes API). */
  talos?: TalosNodeFaults;
}

/** A virtual server's hardware and identity. */
export interface VirtualServerSpec extends LabMachineSpec {
  /** Lab-unique name, e.g. `lab-01`. */
  name: string;
  /** The BMC's loopback address (`127.20.0.<index+2>`); the address an operator enrols. */
  bmcAddress: string;
  bmcUsername: string;
  bmcPassword: string;
}

const MODELS = [
  { vendor: 'Dell Inc.', product: 'PowerEdge R650', oui: 'b4:96:91', cpu: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz' },
  { vendor: 'Supermicro', product: 'SYS-120U-TNR', oui: '3c:ec:ef', cpu: 'Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz' },
  { vendor: 'HPE', product: 'ProLiant DL325 Gen10 Plus', oui: '94:40:c9', cpu: 'AMD EPYC 7443P 24-Core Processor' },
] as const;

function hex2(value: number): string {
  return (value & 0xff).toString(16).padStart(2, '0');
}

/** Options of {@link defaultServerSpec}. */
export interface ServerSpecOptions {
  /** Size of each disk file (sparse); default 64 MiB. */
  diskSizeBytes?: number;
  /** Number of data disks besides the NVMe boot disk; default 2. */
  dataDisks?: number;
  faults?: VirtualServerFaults;
}

/** Returns the spec of lab machine `index` (0-based); the same index always gives the same machine. */
export function defaultServerSpec(index: number, options: ServerSpecOptions = {}): VirtualServerSpec {
  if (!Number.isInteger(index) || index < 0 || index > 250) throw new Error(`lab machine index out of range: ${index}`);
  const model = MODELS[index % MODELS.length] as (typeof MODELS)[number];
  const n = index + 1;
  const tag = n.toString().padStart(2, '0');
  const size = options.diskSizeBytes ?? 64 * MIB;
  const failing = new Set(options.faults?.failWipeDisks ?? []);
  const disks: LabDiskSpec[] = [
    {
      name: 'nvme0n1',
      sizeBytes: size,
      model: 'SAMSUNG MZQL2960HCJR-00A07',
      serial: `S64FNE0R${(700000 + n).toString()}`,
      wwn: `eui.3634473052${(800000 + n).toString()}0025384500000001`,
      rotational: false,
      transport: 'nvme',
    },
  ];
  for (let d = 0; d < (options.dataDisks ?? 2); d += 1) {
    const rotational = d % 2 === 1;
    disks.push({
      name: `sd${String.fromCharCode(97 + d)}`,
      sizeBytes: size,
      model: rotational ? 'ST4000NM002A-2HZ101' : 'Micron_5300_MTFDDAK960TDS',
      serial: rotational ? `WJG${tag}${hex2(d).toUpperCase()}B3` : `2140${tag}1A${d}B3C`,
      wwn: `0x5000c500${hex2(n)}${hex2(d)}f3a4`,
      rotational,
      transport: 'sata',
    });
  }
  for (const disk of disks) if (failing.has(disk.name)) disk.failWipe = true;
  const mac = (nic: number): string => `${model.oui}:${hex2(0x10 + (index >> 8))}:${hex2(index)}:${hex2(nic)}`;
  return {
    name: `lab-${tag}`,
    bmcAddress: `127.20.0.${n + 1}`,
    bmcUsername: 'admin',
    bmcPassword: `lab-bmc-${tag}`,
    cpu: { model: model.cpu, sockets: 1 + (index % 2), coresPerSocket: 16, threadsPerCore: 2 },
    memoryBytes: (128 + 64 * (index % 3)) * GIB,
    nics: [
      { name: 'eno1', mac: mac(0), speedMbps: 25000, up: true },
      { name: 'eno2', mac: mac(1), speedMbps: 25000, up: false },
    ],
    dmi: { vendor: model.vendor, product: model.product, serial: `LAB${tag}X${hex2(index * 7).toUpperCase()}` },
    bmc: { ipAddress: `127.20.0.${n + 1}`, mac: mac(0xf0) },
    disks,
  };
}
