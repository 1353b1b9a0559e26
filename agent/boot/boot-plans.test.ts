import { describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../shared/errors.js';
import { BootPlanRegistry } from './boot-plans.js';
import { normaliseMac, prefixToNetmask, tryNormaliseMac } from './boot-validation.js';

const TOKEN = 'tok_0123456789abcdefghijkl';
const talosPlan = (over: Record<string, unknown> = {}) => ({
  kind: 'talos',
  jobId: 'job-1',
  assetId: 'asset-1',
  talos: { version: 'v1.9.5', configUrlToken: TOKEN },
  ...over,
});

describe('MAC normalisation', () => {
  it('accepts colon, dash and bare-hex MACs in any case and returns the lowercase colon form', () => {
    expect(normaliseMac('52:54:00:AB:cd:EF')).toBe('52:54:00:ab:cd:ef');
    expect(normaliseMac('52-54-00-ab-cd-ef')).toBe('52:54:00:ab:cd:ef');
    expect(normaliseMac('525400ABCDEF')).toBe('52:54:00:ab:cd:ef');
  });

  it('refuses anything that is not a MAC, including script injection attempts', () => {
    for (const bad of ['', '52:54:00:ab:cd', '52:54:00:ab:cd:ef:01', 'zz:54:00:ab:cd:ef', '52:54:00:ab:cd:ef\nshell']) {
      expect(tryNormaliseMac(bad)).toBeNull();
    }
    expect(() => normaliseMac('${net0/mac}')).toThrow(ValidationError);
  });

  it('turns prefix lengths into netmasks', () => {
    expect(prefixToNetmask(24)).toBe('255.255.255.0');
    expect(prefixToNetmask(20)).toBe('255.255.240.0');
    expect(prefixToNetmask(32)).toBe('255.255.255.255');
    expect(prefixToNetmask(0)).toBe('0.0.0.0');
  });
});

describe('BootPlanRegistry', () => {
  it('registers a plan under the normalised MAC and finds it by any spelling and by config token', () => {
    const reg = new BootPlanRegistry();
    const plan = reg.register('52-54-00-AB-CD-EF', talosPlan());
    expect(plan.mac).toBe('52:54:00:ab:cd:ef');
    expect(reg.get('525400abcdef')?.assetId).toBe('asset-1');
    expect(reg.getByConfigToken(TOKEN)?.mac).toBe('52:54:00:ab:cd:ef');
    expect(reg.get('not a mac')).toBeUndefined();
  });

  it('replaces the plan of a MAC and forgets the replaced config token', () => {
    const reg = new BootPlanRegistry();
    reg.register('52:54:00:00:00:01', talosPlan());
    reg.register('52:54:00:00:00:01', { kind: 'local-disk', jobId: 'job-2', assetId: 'asset-1' });
    expect(reg.get('52:54:00:00:00:01')?.kind).toBe('local-disk');
    expect(reg.getByConfigToken(TOKEN)).toBeUndefined();
    expect(reg.size).toBe(1);
  });

  it('refuses a config token that already belongs to another MAC with a ConflictError', () => {
    const reg = new BootPlanRegistry();
    reg.register('52:54:00:00:00:01', talosPlan());
    expect(() => reg.register('52:54:00:00:00:02', talosPlan())).toThrow(ConflictError);
  });

  it('removes a plan only for the job that registered it when a jobId is given', () => {
    const reg = new BootPlanRegistry();
    reg.register('52:54:00:00:00:01', talosPlan({ jobId: 'job-new' }));
    expect(reg.remove('52:54:00:00:00:01', { jobId: 'job-stale' })).toBe(false);
    expect(reg.get('52:54:00:00:00:01')).toBeDefined();
    expect(reg.remove('52:54:00:00:00:01', { jobId: 'job-new' })).toBe(true);
    expect(reg.getByConfigToken(TOKEN)).toBeUndefined();
    expect(reg.remove('52:54:00:00:00:01')).toBe(false);
  });

  it.each([
    ['a talos plan without talos settings', { kind: 'talos', jobId: 'j', assetId: 'a' }],
    ['talos settings on a utility plan', talosPlan({ kind: 'utility' })],
    ['a short config token', talosPlan({ talos: { version: 'v1.9.5', configUrlToken: 'short' } })],
    ['a version that is not a tag', talosPlan({ talos: { version: 'latest; exit', configUrlToken: TOKEN } })],
    [
      'a static IP that is not IPv4',
      talosPlan({
        talos: {
          version: 'v1.9.5',
          configUrlToken: TOKEN,
          staticIp: { ip: '10.0.0.${x}', prefix: 24, gateway: '10.0.0.1' },
        },
      }),
    ],
    [
      'an interface name with spaces',
      talosPlan({
        talos: {
          version: 'v1.9.5',
          configUrlToken: TOKEN,
          staticIp: { ip: '10.0.0.5', prefix: 24, gateway: '10.0.0.1', interface: 'eth0 init=/bin/sh' },
        },
      }),
    ],
    ['a job id with spaces', talosPlan({ jobId: 'job 1' })],
    ['an unknown field', talosPlan({ extra: true })],
  ])('refuses %s with a ValidationError', (_name, plan) => {
    expect(() => new BootPlanRegistry().register('52:54:00:00:00:01', plan)).toThrow(ValidationError);
  });
});
