import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/errors.js';
import { loadApiConfig } from '../config.js';
import { DESTINATION_FORBIDDEN, EgressGuard, type Resolver } from './egress-guard.js';
import { cidrContains, embeddedIpv4, formatIp, parseCidr, parseIp } from './ip-networks.js';

/** A resolver that never touches the network: tests must not resolve real names. */
const fakeDns =
  (answers: Record<string, string[]>): Resolver =>
  async (host) => {
    const found = answers[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

function refusedCode(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('IP networks', () => {
  it('parse IPv4 and IPv6 (compressed, embedded IPv4) and test membership', () => {
    expect(cidrContains(parseCidr('10.0.0.0/8'), parseIp('10.255.1.2')!)).toBe(true);
    expect(cidrContains(parseCidr('10.0.0.0/8'), parseIp('11.0.0.1')!)).toBe(false);
    expect(cidrContains(parseCidr('fe80::/10'), parseIp('fe80::1')!)).toBe(true);
    expect(cidrContains(parseCidr('fe80::/10'), parseIp('fec0::1')!)).toBe(false);
    expect(cidrContains(parseCidr('0.0.0.0/0'), parseIp('8.8.8.8')!)).toBe(true);
    expect(cidrContains(parseCidr('127.0.0.1'), parseIp('127.0.0.1')!)).toBe(true);
    expect(parseIp('::ffff:127.0.0.1')).toEqual(parseIp('::ffff:7f00:1'));
    expect(formatIp(embeddedIpv4(parseIp('::ffff:169.254.169.254')!)!)).toBe('169.254.169.254');
    expect(formatIp(embeddedIpv4(parseIp('64:ff9b::a00:1')!)!)).toBe('10.0.0.1');
    expect(formatIp(embeddedIpv4(parseIp('2002:c0a8:0101::1')!)!)).toBe('192.168.1.1');
    expect(embeddedIpv4(parseIp('2606:4700::1')!)).toBeUndefined();
    expect(formatIp(parseIp('fe80::1')!)).toBe('fe80::1');
    expect(parseIp('fe80::1%eth0')).toBeUndefined();
    expect(() => parseCidr('10.0.0.0/33')).toThrow(RangeError);
    expect(() => parseCidr('example.com/8')).toThrow(RangeError);
  });
});

describe('the webhook egress guard', () => {
  const strict = new EgressGuard([], fakeDns({}));

  it.each([
    'http://10.0.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://127.0.0.1:8080/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://0.0.0.0/',
    'http://100.64.0.1/',
    'http://172.16.5.4/',
    'http://192.168.1.1/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
    'http://[::1]/',
    'http://[::]/',
    'http://[fe80::1]/',
    'http://[fd00:ec2::254]/',
    'http://[ff02::1]/',
    'http://[::ffff:10.0.0.1]/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://localhost:9000/',
    'http://api.localhost/',
  ])('refuses %s when it is saved, without connecting', (url) => {
    expect(refusedCode(() => strict.checkUrl(url))).toBe(DESTINATION_FORBIDDEN);
  });

  it('refuses what is not plain http(s) without credentials', () => {
    for (const url of [
      'ftp://example.com/',
      'file:///etc/passwd',
      'gopher://x/',
      'not a url',
      'https://u:p@example.com/',
    ])
      expect(refusedCode(() => strict.checkUrl(url))).toBe('VALIDATION_FAILED');
  });

  it('accepts public addresses and host names (names are checked when delivering), dropping the fragment', () => {
    expect(strict.checkUrl('https://8.8.8.8/hook').href).toBe('https://8.8.8.8/hook');
    expect(strict.checkUrl('https://hooks.example.com/x?y=1#frag').href).toBe('https://hooks.example.com/x?y=1');
    expect(strict.checkUrl('http://[2606:4700::1111]/').hostname).toBe('[2606:4700::1111]');
  });

  it('allows exactly the configured networks', () => {
    const lab = new EgressGuard(['127.0.0.0/8'], fakeDns({}));
    expect(lab.checkUrl('http://127.0.0.1:4000/').host).toBe('127.0.0.1:4000');
    expect(lab.checkUrl('http://[::ffff:127.0.0.2]/').hostname).toBe('[::ffff:7f00:2]');
    expect(refusedCode(() => lab.checkUrl('http://10.0.0.1/'))).toBe(DESTINATION_FORBIDDEN);
    expect(refusedCode(() => lab.checkUrl('http://[::1]/'))).toBe(DESTINATION_FORBIDDEN);
    // localhost may be ::1 too: every address must be allowed.
    expect(refusedCode(() => lab.checkUrl('http://localhost/'))).toBe(DESTINATION_FORBIDDEN);
  });

  it('resolves names at delivery time, refuses when any address is refused, and pins the checked one', async () => {
    const guard = new EgressGuard(
      [],
      fakeDns({
        'hooks.example.com': ['203.0.114.10', '2606:4700::10'],
        'rebind.example.com': ['93.184.216.34', '169.254.169.254'],
        'inside.example.com': ['10.1.2.3'],
      }),
    );
    await expect(guard.destination(new URL('https://hooks.example.com/'))).resolves.toEqual({
      address: '203.0.114.10',
      family: 4,
    });
    await expect(guard.destination(new URL('https://rebind.example.com/'))).rejects.toMatchObject({
      code: DESTINATION_FORBIDDEN,
      details: { address: '169.254.169.254' },
    });
    await expect(guard.destination(new URL('https://inside.example.com/'))).rejects.toMatchObject({
      code: DESTINATION_FORBIDDEN,
    });
    await expect(guard.destination(new URL('https://missing.example.com/'))).rejects.toThrow(/ENOTFOUND/);
  });
});

describe('RACKPILOT_WEBHOOK_ALLOWED_NETWORKS', () => {
  const base = {
    MONGODB_URI: 'mongodb://127.0.0.1:27017/',
    TEMPORAL_ADDRESS: '127.0.0.1:7233',
    RACKPILOT_DEV_MODE: 'true',
  };

  it('is a comma-separated CIDR list, empty by default (public destinations only)', () => {
    expect(loadApiConfig(base).webhooks.allowedNetworks).toEqual([]);
    expect(
      loadApiConfig({ ...base, RACKPILOT_WEBHOOK_ALLOWED_NETWORKS: ' 127.0.0.0/8, fd00:1::/64 ' }).webhooks
        .allowedNetworks,
    ).toEqual(['127.0.0.0/8', 'fd00:1::/64']);
  });

  it('refuses start-up on a malformed network, naming the variable', () => {
    let problems: { variable: string }[] = [];
    try {
      loadApiConfig({ ...base, RACKPILOT_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8,10.0.0.0/33' });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      problems = (err as ConfigError).details as { variable: string }[];
    }
    expect(problems.map((p) => p.variable)).toEqual(['RACKPILOT_WEBHOOK_ALLOWED_NETWORKS']);
  });
});
