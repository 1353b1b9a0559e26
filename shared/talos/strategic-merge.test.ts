import { describe, expect, it } from 'vitest';

import { ValidationError } from '../errors.js';
import { strategicMerge } from './strategic-merge.js';

const base = () => ({
  machine: {
    certSANs: ['a'],
    network: {
      hostname: 'n1',
      interfaces: [{ deviceSelector: { hardwareAddr: '52:54:00:00:00:01' }, addresses: ['10.0.0.2/24'], dhcp: false }],
    },
    install: { disk: '/dev/sda', wipe: false },
  },
  cluster: {
    network: { podSubnets: ['10.244.0.0/16'] },
    apiServer: { admissionControl: [{ name: 'PodSecurity', configuration: { defaults: { enforce: 'baseline' } } }] },
  },
});

describe('strategicMerge', () => {
  it('merges maps key by key and replaces scalars', () => {
    const out = strategicMerge(base(), { machine: { install: { wipe: true, extraKernelArgs: ['console=ttyS0'] } } });
    expect(out.machine.install).toEqual({ disk: '/dev/sda', wipe: true, extraKernelArgs: ['console=ttyS0'] });
    expect(out.machine.network.hostname).toBe('n1');
  });

  it('appends plain lists and replaces podSubnets', () => {
    const out = strategicMerge(base(), {
      machine: { certSANs: ['b'] },
      cluster: { network: { podSubnets: ['10.32.0.0/16'] } },
    });
    expect(out.machine.certSANs).toEqual(['a', 'b']);
    expect(out.cluster.network.podSubnets).toEqual(['10.32.0.0/16']);
  });

  it('merges an interface with the same deviceSelector and appends a new one', () => {
    const out = strategicMerge(base(), {
      machine: {
        network: {
          interfaces: [
            { deviceSelector: { hardwareAddr: '52:54:00:00:00:01' }, mtu: 9000 },
            { interface: 'bond0', dhcp: true },
          ],
        },
      },
    });
    expect(out.machine.network.interfaces).toEqual([
      { deviceSelector: { hardwareAddr: '52:54:00:00:00:01' }, addresses: ['10.0.0.2/24'], dhcp: false, mtu: 9000 },
      { interface: 'bond0', dhcp: true },
    ]);
  });

  it('merges admission plugins by name', () => {
    const out = strategicMerge(base(), {
      cluster: {
        apiServer: {
          admissionControl: [{ name: 'PodSecurity', configuration: { defaults: { enforce: 'restricted' } } }],
        },
      },
    });
    expect(out.cluster.apiServer.admissionControl).toEqual([
      { name: 'PodSecurity', configuration: { defaults: { enforce: 'restricted' } } },
    ]);
  });

  it('deletes keys and keyed list items marked $patch: delete', () => {
    const out = strategicMerge(base(), {
      machine: {
        install: { $patch: 'delete' },
        network: { interfaces: [{ deviceSelector: { hardwareAddr: '52:54:00:00:00:01' }, $patch: 'delete' }] },
      },
    });
    expect(out.machine).not.toHaveProperty('install');
    expect(out.machine.network.interfaces).toEqual([]);
  });

  it('ignores null and empty values and leaves its inputs untouched', () => {
    const config = base();
    const patch = { machine: { network: { hostname: null }, certSANs: [] } };
    const out = strategicMerge(config, patch, { machine: { network: { hostname: 'n2' } } });
    expect(out.machine.network.hostname).toBe('n2');
    expect(config.machine.network.hostname).toBe('n1');
    expect(out.machine.certSANs).toEqual(['a']);
  });

  it('refuses a patch that puts a list where the config has a map, naming the path', () => {
    const err = (() => {
      try {
        return strategicMerge(base(), { machine: { install: ['x'] } });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).details).toEqual([
      { field: 'patches.machine.install', problem: 'cannot merge list into object' },
    ]);
  });
});
