import { describe, expect, it } from 'vitest';
import { parseFaults } from './fault-options.js';

describe('lab --fault option', () => {
  it('collects every fault of each machine', () => {
    expect(
      parseFaults([
        'lab-02:never-boots',
        'lab-01:bmc-drop=0.25',
        'lab-01:fail-wipe=sda',
        'lab-01:fail-wipe=sdb',
        'lab-03:wrong-password',
        'lab-03:kube-ready-delay=5000',
      ]),
    ).toEqual({
      'lab-02': { neverBoots: true },
      'lab-01': { bmcDropRate: 0.25, failWipeDisks: ['sda', 'sdb'] },
      'lab-03': { wrongPassword: true, talos: { kubeApiReadyDelayMs: 5000 } },
    });
  });

  it('refuses unknown faults, a drop rate outside 0..1, a fail-wipe without a disk and a delay that is not milliseconds', () => {
    for (const bad of [
      'lab-01:explodes',
      'lab-01:bmc-drop=2',
      'lab-01:fail-wipe',
      'lab-01:kube-ready-delay=soon',
      'no-colon',
    ]) {
      expect(() => parseFaults([bad])).toThrow(/bad --fault/);
    }
  });
});
