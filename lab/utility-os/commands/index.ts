/** Every tool the lab utility OS emulates: exactly the commands in agent/ssh/commands.ts. */
import type { CommandHandler } from '../machine.js';
import { dd } from './dd.js';
import { blkdiscard, nvme } from './erase.js';
import { hdparm } from './hdparm.js';
import { lsblk } from './lsblk.js';
import { grep, ip } from './network.js';
import { blkid, blockdev, cmp } from './read-back.js';
import { sgdisk } from './sgdisk.js';
import { cat, dmidecode, ipmitool, lscpu } from './system-info.js';
import { wipefs } from './wipefs.js';

export const utilityOsTools: Record<string, CommandHandler> = {
  lsblk,
  lscpu,
  cat,
  ip,
  grep,
  dmidecode,
  ipmitool,
  hdparm,
  wipefs,
  sgdisk,
  dd,
  blkdiscard,
  nvme,
  blockdev,
  blkid,
  cmp,
};
