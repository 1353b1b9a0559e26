import { describe, expect, it } from 'vitest';
import { clusterRequest, emptyForm, missingFields, withRow } from './cluster-form.js';

describe('the new-cluster form', () => {
  it('makes Colony’s request body: control planes and workers with the one prefix, values trimmed', () => {
    const form = {
      name: ' edge-1 ',
      gateway: '10.0.0.1 ',
      prefix: '24',
      nodes: [
        { role: 'worker' as const, assetId: 'ast_2', ip: '10.0.0.12' },
        { role: 'controlplane' as const, assetId: 'ast_1', ip: ' 10.0.0.11' },
      ],
    };
    expect(clusterRequest(form)).toEqual({
      name: 'edge-1',
      type: 'talos',
      flavor: 'talos',
      gateway: '10.0.0.1',
      controlPlanes: [{ assetId: 'ast_1', ip: '10.0.0.11', subnet: '24' }],
      workers: [{ assetId: 'ast_2', ip: '10.0.0.12', subnet: '24' }],
    });
  });

  it('names what is missing before a plan can be asked for', () => {
    expect(missingFields(emptyForm())).toEqual(['a name', 'a gateway', 'an asset and IP for every node']);
    const noControlPlane = withRow({ ...emptyForm(), name: 'a', gateway: 'g' }, 0, undefined);
    expect(missingFields(noControlPlane)).toEqual(['a control plane']);
    const complete = withRow(noControlPlane, 0, { role: 'controlplane', assetId: 'ast_1', ip: '10.0.0.2' });
    expect(missingFields(complete)).toEqual([]);
  });
});
