import { describe, expect, it } from 'vitest';
import { demoClusterRequest } from './welcome.js';

const lab = { gateway: '127.10.0.1', freeIps: ['127.10.0.10', '127.10.0.11', '127.10.0.12', '127.10.0.13'] };

describe('the demo’s printed cluster command', () => {
  it('asks for one control plane and two workers on distinct free IPs when the lab has enough machines', () => {
    const request = demoClusterRequest({ assetIds: ['ast_a', 'ast_b', 'ast_c', 'ast_d', 'ast_e'], lab });
    expect(request).toMatchObject({ type: 'talos', flavor: 'talos', gateway: '127.10.0.1' });
    expect(request.controlPlanes).toEqual([{ assetId: 'ast_a', ip: '127.10.0.10', subnet: '24' }]);
    expect(request.workers).toEqual([
      { assetId: 'ast_b', ip: '127.10.0.11', subnet: '24' },
      { assetId: 'ast_c', ip: '127.10.0.12', subnet: '24' },
    ]);
  });

  it('uses as many workers as there are machines beyond the control plane', () => {
    expect(demoClusterRequest({ assetIds: ['ast_a'], lab }).workers).toEqual([]);
    expect(demoClusterRequest({ assetIds: ['ast_a', 'ast_b'], lab }).workers).toHaveLength(1);
  });
});
