import { describe, expect, it } from 'vitest';
import { parseChassisEventLine, SimDebugParser } from './sim-events.js';
import { chassisControlScript, emuCommands, lanConf } from './sim-files.js';

/** ipmi_sim `debug msg` output as recorded (its console lines start with a carriage return). */
const RECORDED_DEBUG = [
  '\rReceive message:',
  '\r channel=1 netfn=0x0 cmd=0x8 rs_addr=0x20 rs_lun=0x0 rq_addr=0x81',
  '\r rq_lun=0x0 rq_seq=0x7',
  '\r 04 01 01',
  '\rResponse message: 1795480054.455245',
  '\r 00',
  '\rReceive message:',
  '\r channel=1 netfn=0x0 cmd=0x8 rs_addr=0x20 rs_lun=0x0 rq_addr=0x81',
  '\r rq_lun=0x0 rq_seq=0x8',
  '\r 05 a0 04 00 00 00',
  '\rResponse message: 1795480054.477377',
  '\r 00',
  '\rReceive message:',
  '\r channel=1 netfn=0x0 cmd=0x1 rs_addr=0x20 rs_lun=0x0 rq_addr=0x81',
  '\r rq_lun=0x0 rq_seq=0x9',
  '\r',
  '\rReceive message:',
  '\r channel=1 netfn=0x0 cmd=0x8 rs_addr=0x20 rs_lun=0x0 rq_addr=0x81',
  '\r rq_lun=0x0 rq_seq=0xa',
  '\r 05 e8 08 00 00 00',
];

describe('SimDebugParser', () => {
  it('reports boot-flags requests (parameter 5) and ignores every other message', () => {
    const parser = new SimDebugParser();
    const events = RECORDED_DEBUG.map((line) => parser.push(line)).filter(Boolean);
    expect(events).toEqual([
      { type: 'bootFlags', valid: true, persistent: false, efi: true, selector: 1 },
      { type: 'bootFlags', valid: true, persistent: true, efi: true, selector: 2 },
    ]);
  });
});

describe('parseChassisEventLine', () => {
  it('reads the script event lines and nothing else', () => {
    expect(parseChassisEventLine('rackpilot-chassis set power 1')).toEqual({ type: 'power', on: true });
    expect(parseChassisEventLine('rackpilot-chassis set power 0')).toEqual({ type: 'power', on: false });
    expect(parseChassisEventLine('rackpilot-chassis set boot pxe')).toEqual({ type: 'boot', value: 'pxe' });
    expect(parseChassisEventLine('rackpilot-chassis set reset 1')).toEqual({ type: 'reset' });
    expect(parseChassisEventLine('rackpilot-chassis set shutdown 1')).toEqual({ type: 'softOff' });
    expect(parseChassisEventLine('Unable to open lan.conf')).toBeUndefined();
  });
});

describe('sim files', () => {
  const input = { name: 'srv-1', port: 40123, username: 'admin', password: 'pw-1', stateDir: '/tmp/lab/srv-1' };

  it('binds loopback only and wires the chassis script with its state directory', () => {
    const conf = lanConf(input);
    expect(conf).toContain('    addr 127.0.0.1 40123\n');
    expect(conf).not.toMatch(/addr (0\.0\.0\.0|::)/);
    expect(conf).toContain('chassis_control "/tmp/lab/srv-1/chassis-control /tmp/lab/srv-1"');
    expect(conf).toContain('user 2 true "admin" "pw-1" admin 10 md5');
  });

  it('refuses values lan.conf cannot carry', () => {
    expect(() => lanConf({ ...input, password: 'has "quote"' })).toThrow();
    expect(() => lanConf({ ...input, stateDir: '/tmp/with space' })).toThrow();
    expect(() => lanConf({ ...input, password: 'x'.repeat(21) })).toThrow();
  });

  it('turns message debugging on before adding the BMC', () => {
    expect(emuCommands().split('\n')[0]).toBe('debug msg');
    expect(emuCommands()).toContain('mc_enable 0x20');
    expect(chassisControlScript()).toMatch(/^#!\/bin\/sh\n/);
  });
});
