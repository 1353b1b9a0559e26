/** `ip -j link` and `grep -H . /sys/class/net/*\/speed`, over the spec's NICs plus `lo`. */
import { fail, ok, unsupported, type CommandHandler } from '../machine.js';

export const ip: CommandHandler = (args, { spec }) => {
  if (args.join(' ') !== '-j link') return unsupported('ip', args);
  const links = [
    {
      ifindex: 1,
      ifname: 'lo',
      flags: ['LOOPBACK', 'UP', 'LOWER_UP'],
      mtu: 65536,
      operstate: 'UNKNOWN',
      link_type: 'loopback',
      address: '00:00:00:00:00:00',
      broadcast: '00:00:00:00:00:00',
    },
    ...spec.nics.map((nic, i) => ({
      ifindex: i + 2,
      ifname: nic.name,
      flags: nic.up ? ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'] : ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'],
      mtu: 1500,
      qdisc: 'mq',
      operstate: nic.up ? 'UP' : 'DOWN',
      linkmode: 'DEFAULT',
      group: 'default',
      txqlen: 1000,
      link_type: 'ether',
      address: nic.mac,
      broadcast: 'ff:ff:ff:ff:ff:ff',
    })),
  ];
  return ok(`${JSON.stringify(links)}\n`);
};

/** Exit 2 with the lines it could read when some speed files are unreadable, like GNU grep. */
export const grep: CommandHandler = (args, { spec }) => {
  if (args.join(' ') !== '-H . /sys/class/net/*/speed') return unsupported('grep', args);
  const names = ['lo', ...spec.nics.map((n) => n.name)].sort();
  const out: string[] = [];
  const err: string[] = [];
  for (const name of names) {
    const file = `/sys/class/net/${name}/speed`;
    const nic = spec.nics.find((n) => n.name === name);
    if (!nic) err.push(`grep: ${file}: Invalid argument`);
    else out.push(`${file}:${nic.up ? nic.speedMbps : -1}`);
  }
  const stdout = out.length > 0 ? `${out.join('\n')}\n` : '';
  return err.length > 0 ? fail(2, err.join('\n'), stdout) : ok(stdout);
};
