import { lookup } from 'node:dns/promises';
import { ValidationError } from '../../shared/errors.js';
import { cidrContains, embeddedIpv4, formatIp, parseCidr, parseIp, type Cidr, type IpAddress } from './ip-networks.js';

/** Networks a webhook may not reach unless the operator allows them (RFC 6890 special-purpose ranges). */
export const FORBIDDEN_NETWORKS: readonly { cidr: Cidr; reason: string }[] = (
  [
    ['0.0.0.0/8', 'unspecified ("this network")'],
    ['10.0.0.0/8', 'private'],
    ['100.64.0.0/10', 'carrier-grade NAT'],
    ['127.0.0.0/8', 'loopback'],
    ['169.254.0.0/16', 'link-local (cloud metadata)'],
    ['172.16.0.0/12', 'private'],
    ['192.0.0.0/24', 'IETF protocol assignments'],
    ['192.0.2.0/24', 'documentation'],
    ['192.88.99.0/24', '6to4 relay'],
    ['192.168.0.0/16', 'private'],
    ['198.18.0.0/15', 'benchmarking'],
    ['198.51.100.0/24', 'documentation'],
    ['203.0.113.0/24', 'documentation'],
    ['224.0.0.0/4', 'multicast'],
    ['240.0.0.0/4', 'reserved / broadcast'],
    ['::/128', 'unspecified'],
    ['::1/128', 'loopback'],
    ['100::/64', 'discard-only'],
    ['2001::/23', 'IETF protocol assignments (Teredo, benchmarking)'],
    ['2001:db8::/32', 'documentation'],
    ['fc00::/7', 'unique local (private)'],
    ['fe80::/10', 'link-local'],
    ['fec0::/10', 'site-local'],
    ['ff00::/8', 'multicast'],
  ] as const
).map(([cidr, reason]) => ({ cidr: parseCidr(cidr), reason }));

/** Error code of a webhook URL whose destination the egress guard refuses. */
export const DESTINATION_FORBIDDEN = 'WEBHOOK_DESTINATION_FORBIDDEN';

/** Resolves a host name to every address it has (dns.lookup, `all: true`). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/** Why an address is refused, or undefined when it may be reached. */
export function refusal(address: IpAddress, allowed: readonly Cidr[]): string | undefined {
  const candidates = [address, embeddedIpv4(address)].filter((a): a is IpAddress => a !== undefined);
  if (candidates.some((a) => allowed.some((c) => cidrContains(c, a)))) return undefined;
  for (const candidate of candidates) {
    const hit = FORBIDDEN_NETWORKS.find((n) => cidrContains(n.cidr, candidate));
    if (hit) return `${hit.reason} (${hit.cidr.text})`;
  }
  return undefined;
}

/**
 * The SSRF guard of webhook destinations (DESIGN.md "Egress guard"): http/https only, no
 * credentials in the URL, and no special-purpose address (private, loopback, link-local incl.
 * metadata, CGNAT, multicast, unspecified, their IPv6 equivalents and IPv4 embedded in IPv6)
 * unless it lies inside `allowed`. IP literals are refused when the webhook is saved; host names
 * are resolved at each delivery, every address is checked, and the connection goes to the checked
 * address (so a second, different DNS answer cannot slip through).
 */
export class EgressGuard {
  private readonly allowed: readonly Cidr[];

  constructor(
    allowedNetworks: readonly string[],
    private readonly resolve: Resolver = systemResolver,
  ) {
    this.allowed = allowedNetworks.map((n) => parseCidr(n));
  }

  /**
   * Checks a URL when a webhook is saved; returns it normalised (fragment dropped). Throws
   * ValidationError VALIDATION_FAILED for a malformed URL, WEBHOOK_DESTINATION_FORBIDDEN for a
   * refused address. Never resolves names (that happens at delivery time).
   */
  checkUrl(text: string): URL {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw invalid('must be an absolute http:// or https:// URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('only http:// and https:// are allowed');
    if (url.username || url.password) throw invalid('must not carry credentials; deliveries are signed instead');
    url.hash = '';
    for (const address of literalAddresses(url.hostname)) this.assertAllowed(url, address);
    return url;
  }

  /**
   * Resolves the URL's host at delivery time and checks every address. Returns the address to
   * connect to. Throws ValidationError WEBHOOK_DESTINATION_FORBIDDEN when any address is refused.
   */
  async destination(url: URL): Promise<{ address: string; family: 4 | 6 }> {
    const literal = literalAddresses(url.hostname);
    const addresses: IpAddress[] = literal.length
      ? literal
      : (await this.resolve(url.hostname.replace(/\.$/, ''))).map((r) => parseIp(r.address)).filter(isDefined);
    if (addresses.length === 0) throw new Error(`${url.hostname} has no address`);
    for (const address of addresses) this.assertAllowed(url, address);
    const first = addresses[0] as IpAddress;
    return { address: formatIp(first), family: first.family };
  }

  private assertAllowed(url: URL, address: IpAddress): void {
    const reason = refusal(address, this.allowed);
    if (reason === undefined) return;
    throw new ValidationError(
      `Webhook destination ${url.host} is not allowed: ${formatIp(address)} is ${reason}`,
      {
        host: url.hostname,
        address: formatIp(address),
        reason,
        fields: [{ in: 'body', field: 'url', message: reason }],
      },
      DESTINATION_FORBIDDEN,
    );
  }
}

/** The addresses a host stands for without DNS: an IP literal, or `localhost` (RFC 6761: always loopback). */
function literalAddresses(hostname: string): IpAddress[] {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const ip = parseIp(host);
  if (ip) return [ip];
  if (host === 'localhost' || host.endsWith('.localhost') || host === 'localhost.')
    return [parseIp('127.0.0.1'), parseIp('::1')].filter(isDefined);
  return [];
}

function invalid(message: string): ValidationError {
  return new ValidationError(`Invalid webhook URL: ${message}`, { fields: [{ in: 'body', field: 'url', message }] });
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}
