import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lanConf, lanControlScript, lanIdentityFile } from './sim-files.js';

const base = { name: 'lab-01', port: 9623, username: 'admin', password: 'secret', stateDir: '/lab/bmc' };

describe('ipmi_sim files of a QEMU machine', () => {
  it('adds the VM system interface and the LAN-config program only when asked', () => {
    const plain = lanConf(base);
    expect(plain).not.toContain('serial kcs');
    expect(plain).not.toContain('lan_config_program');
    const vm = lanConf({
      ...base,
      systemInterfacePort: 40123,
      lanIdentity: { ip: '127.20.0.2', netmask: '255.0.0.0', mac: 'b6:96:91:10:00:00' },
    });
    expect(vm).toContain('  serial kcs 127.0.0.1 40123 codec VM');
    expect(vm).toContain('    lan_config_program "/lab/bmc/lan-control /lab/bmc"');
    expect(() => lanConf({ ...base, systemInterfacePort: 0 })).toThrow(/TCP port/);
  });

  it("answers ipmi_sim's LAN parameter queries with the identity the lab gave the BMC", () => {
    const dir = mkdtempSync(join(tmpdir(), 'lan-control-'));
    writeFileSync(
      join(dir, 'lan-identity'),
      lanIdentityFile({ ip: '127.20.0.2', netmask: '255.0.0.0', mac: 'b6:96:91:10:00:00' }),
    );
    writeFileSync(join(dir, 'lan-control'), lanControlScript());
    chmodSync(join(dir, 'lan-control'), 0o755);
    const out = execFileSync(
      join(dir, 'lan-control'),
      [dir, 'get', 'ip_addr', 'subnet_mask', 'mac_addr', 'ip_addr_src'],
      { encoding: 'utf8' },
    );
    expect(out.trim().split('\n')).toEqual([
      'ip_addr:127.20.0.2',
      'subnet_mask:255.0.0.0',
      'mac_addr:b6:96:91:10:00:00',
      'ip_addr_src:static',
    ]);
    expect(() => execFileSync(join(dir, 'lan-control'), [dir, 'get', 'vlan_id'], { stdio: 'pipe' })).toThrow();
  });

  it('refuses an identity lan.conf could not carry', () => {
    expect(() => lanIdentityFile({ ip: '127.20.0.2', netmask: '255.0.0.0', mac: 'B6:96:91:10:00:00' })).toThrow(/MAC/);
    expect(() => lanIdentityFile({ ip: 'bmc-1', netmask: '255.0.0.0', mac: 'b6:96:91:10:00:00' })).toThrow(
      /dotted-quad/,
    );
  });
});
