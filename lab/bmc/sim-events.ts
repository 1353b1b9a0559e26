import { CHASSIS_EVENT_PREFIX } from './sim-files.js';

/**
 * Line parsers for what a running `ipmi_sim` prints: its decoded requests on stdout (`debug msg`)
 * and the chassis script's event lines on stderr.
 */

/** Something that happened to a simulated chassis. */
export type ChassisEvent =
  | { type: 'power'; on: boolean }
  | { type: 'boot'; value: string }
  | { type: 'reset' }
  | { type: 'softOff' }
  | { type: 'identify' }
  /** A Set System Boot Options request with boot flags (parameter 5), as the BMC received it. */
  | { type: 'bootFlags'; valid: boolean; persistent: boolean; efi: boolean; selector: number };

/** Parses one stderr line of the chassis script; `undefined` for any other line. */
export function parseChassisEventLine(line: string): ChassisEvent | undefined {
  const match = new RegExp(`^${CHASSIS_EVENT_PREFIX} set (\\w+) (\\S+)$`).exec(line.trim());
  if (!match) return undefined;
  const [, parm, value] = match as unknown as [string, string, string];
  switch (parm) {
    case 'power':
      return { type: 'power', on: value === '1' };
    case 'boot':
      return { type: 'boot', value };
    case 'reset':
      return { type: 'reset' };
    case 'shutdown':
      return { type: 'softOff' };
    case 'identify':
      return { type: 'identify' };
    default:
      return undefined;
  }
}

/**
 * Reads ipmi_sim's `debug msg` output line by line and reports Set System Boot Options requests:
 *
 * ```
 * Receive message:
 *  channel=1 netfn=0x0 cmd=0x8 rs_addr=0x20 rs_lun=0x0 rq_addr=0x81
 *  rq_lun=0x0 rq_seq=0x8
 *  05 e0 04 00 00 00
 * ```
 * (netfn 0x00 chassis, cmd 0x08, data: parameter 5, then boot flags bytes 1..5.)
 */
export class SimDebugParser {
  private state: 'idle' | 'header' | 'seq' | 'data' = 'idle';
  private isBootOptions = false;

  /** Feeds one line; returns an event when the line completes a boot-flags request. */
  push(rawLine: string): ChassisEvent | undefined {
    // ipmi_sim writes its console with CR LF line starts ("\r Receive message:").
    const line = rawLine.replaceAll('\r', '');
    switch (this.state) {
      case 'idle':
        if (line.trimEnd() === 'Receive message:') this.state = 'header';
        return undefined;
      case 'header':
        this.isBootOptions = /\bnetfn=0x0 cmd=0x8\b/.test(line);
        this.state = 'seq';
        return undefined;
      case 'seq':
        this.state = /^\s*rq_lun=/.test(line) ? 'data' : 'idle';
        return undefined;
      case 'data': {
        this.state = 'idle';
        if (!this.isBootOptions) return undefined;
        return bootFlagsFromData(line);
      }
    }
  }
}

function bootFlagsFromData(line: string): ChassisEvent | undefined {
  const bytes = line
    .trim()
    .split(/\s+/)
    .map((hex) => Number.parseInt(hex, 16));
  if (bytes.length < 3 || bytes.some(Number.isNaN)) return undefined;
  const [param, flags1, flags2] = bytes as [number, number, number];
  if ((param & 0x7f) !== 5) return undefined;
  return {
    type: 'bootFlags',
    valid: (flags1 & 0x80) !== 0,
    persistent: (flags1 & 0x40) !== 0,
    efi: (flags1 & 0x20) !== 0,
    selector: (flags2 >> 2) & 0xf,
  };
}
