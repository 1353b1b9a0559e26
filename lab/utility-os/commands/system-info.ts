/** `lscpu -J`, `cat /proc/meminfo`, `dmidecode -s <keyword>`, `ipmitool lan print 1`. */
import { fail, ok, unsupported, type CommandHandler } from '../machine.js';

export const lscpu: CommandHandler = (args, { spec }) => {
  if (args.join(' ') !== '-J') return unsupported('lscpu', args);
  const { cpu } = spec;
  const cpus = cpu.sockets * cpu.coresPerSocket * cpu.threadsPerCore;
  const fields: [string, string][] = [
    ['Architecture:', 'x86_64'],
    ['CPU op-mode(s):', '32-bit, 64-bit'],
    ['Byte Order:', 'Little Endian'],
    ['CPU(s):', String(cpus)],
    ['On-line CPU(s) list:', `0-${cpus - 1}`],
    ['Vendor ID:', cpu.model.startsWith('AMD') ? 'AuthenticAMD' : 'GenuineIntel'],
    ['Model name:', cpu.model],
    ['Thread(s) per core:', String(cpu.threadsPerCore)],
    ['Core(s) per socket:', String(cpu.coresPerSocket)],
    ['Socket(s):', String(cpu.sockets)],
    ['NUMA node(s):', String(cpu.sockets)],
  ];
  return ok(`${JSON.stringify({ lscpu: fields.map(([field, data]) => ({ field, data })) }, null, 3)}\n`);
};

const kb = (bytes: number): string => `${String(Math.floor(bytes / 1024)).padStart(8)} kB`;

export const cat: CommandHandler = (args, { spec }) => {
  if (args.join(' ') !== '/proc/meminfo') {
    return fail(1, args.map((a) => `cat: ${a}: No such file or directory`).join('\n'));
  }
  const total = spec.memoryBytes;
  const lines = [
    `MemTotal:       ${kb(total)}`,
    `MemFree:        ${kb(total * 0.95)}`,
    `MemAvailable:   ${kb(total * 0.96)}`,
    `Buffers:        ${kb(8 * 1024 * 1024)}`,
    `Cached:         ${kb(200 * 1024 * 1024)}`,
    `SwapTotal:      ${kb(0)}`,
    `SwapFree:       ${kb(0)}`,
  ];
  return ok(`${lines.join('\n')}\n`);
};

export const dmidecode: CommandHandler = (args, { spec }) => {
  const keywords: Record<string, string> = {
    'system-manufacturer': spec.dmi.vendor,
    'system-product-name': spec.dmi.product,
    'system-serial-number': spec.dmi.serial,
  };
  const value = args.length === 2 && args[0] === '-s' ? keywords[args[1] ?? ''] : undefined;
  return value === undefined ? unsupported('dmidecode', args) : ok(`${value}\n`);
};

export const ipmitool: CommandHandler = (args, { spec }) => {
  if (args.join(' ') !== 'lan print 1') return unsupported('ipmitool', args);
  if (!spec.bmc)
    return fail(1, 'Could not open device at /dev/ipmi0 or /dev/ipmi/0 or /dev/ipmidev/0: No such file or directory');
  const rows: [string, string][] = [
    ['Set in Progress', 'Set Complete'],
    ['IP Address Source', 'Static Address'],
    ['IP Address', spec.bmc.ipAddress],
    ['Subnet Mask', '255.255.255.0'],
    ['MAC Address', spec.bmc.mac],
    ['802.1q VLAN ID', 'Disabled'],
  ];
  return ok(`${rows.map(([k, v]) => `${k.padEnd(24)}: ${v}`).join('\n')}\n`);
};
