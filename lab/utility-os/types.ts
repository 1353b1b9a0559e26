/** The machine a lab utility OS pretends to be. */

/** One virtual disk, backed by a (sparse) file in the server's directory. */
export interface LabDiskSpec {
  /** Kernel name, e.g. `nvme0n1`, `sda`. */
  name: string;
  /** Size of the backing file; use a multiple of 1 MiB (tests: 64–256 MiB). */
  sizeBytes: number;
  model: string;
  serial: string;
  wwn: string | null;
  rotational: boolean;
  /** `nvme`, `sata`, `sas`, ... */
  transport: string;
  /** Fault: every erase command "succeeds" (exit 0) but changes nothing. Verification must notice. */
  failWipe?: boolean;
  /** ATA security state for `sata` disks (default `supported`: erasable now). */
  ataSecurity?: 'supported' | 'frozen' | 'unsupported';
  /** Whether the device accepts discards (default: not rotational). */
  discard?: boolean;
  /** Whole-medium erases (format, secure erase, discard) take this long, like a real drive's. */
  eraseDelayMs?: number;
}

export interface LabCpuSpec {
  model: string;
  sockets: number;
  coresPerSocket: number;
  threadsPerCore: number;
}

export interface LabNicSpec {
  name: string;
  mac: string;
  /** Mbit/s when the link is up; ignored when down. */
  speedMbps: number;
  up: boolean;
}

export interface LabDmiSpec {
  vendor: string;
  product: string;
  serial: string;
}

export interface LabMachineSpec {
  disks: LabDiskSpec[];
  cpu: LabCpuSpec;
  memoryBytes: number;
  nics: LabNicSpec[];
  dmi: LabDmiSpec;
  /** The BMC as seen from the host (`ipmitool lan print 1`); absent = no IPMI device. */
  bmc?: { ipAddress: string; mac: string };
}

/** What a command run in the lab produced. */
export interface LabCommandResult {
  code: number;
  stdout: string;
  stderr: string;
}
