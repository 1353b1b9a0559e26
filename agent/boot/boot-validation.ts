/**
 * Validation of every value that reaches an iPXE script, a kernel command line or a DHCP/TFTP
 * packet. Scripts are interpreted by firmware (iPXE expands `${...}` and splits on spaces), so
 * nothing goes into one unless it matches a strict pattern here.
 */
import { ValidationError } from '../../shared/errors.js';

const MAC_PATTERNS = [
  /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i,
  /^([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i,
];

/**
 * Returns the MAC in the normalised lowercase colon form (`52:54:00:12:34:56`), accepting colon,
 * dash or bare-hex input in any case. Returns `null` for anything else.
 */
export function tryNormaliseMac(input: string): string | null {
  const trimmed = input.trim();
  for (const pattern of MAC_PATTERNS) {
    const match = pattern.exec(trimmed);
    if (match) return match.slice(1, 7).join(':').toLowerCase();
  }
  return null;
}

/** Returns the normalised MAC. Thrown when `input` is not a MAC address: `ValidationError`. */
export function normaliseMac(input: string): string {
  const mac = tryNormaliseMac(input);
  if (mac === null) throw new ValidationError('Invalid MAC address', { mac: input.slice(0, 64) });
  return mac;
}

/** True for a dotted-quad IPv4 address without leading zeros (`10.0.0.1`). */
export function isIPv4(input: string): boolean {
  const parts = input.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

/** Returns the dotted netmask of a prefix length (24 → `255.255.255.0`). */
export function prefixToNetmask(prefix: number): string {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new ValidationError('Invalid prefix length');
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((shift) => (mask >>> shift) & 0xff).join('.');
}

/** Converts a dotted IPv4 address to its 4 bytes. Thrown when not an IPv4 address: `ValidationError`. */
export function ipv4ToBytes(ip: string): Buffer {
  if (!isIPv4(ip)) throw new ValidationError('Invalid IPv4 address', { ip: ip.slice(0, 64) });
  return Buffer.from(ip.split('.').map(Number));
}

/** A DNS hostname (RFC 1123 labels), safe on a kernel command line. */
export const HOSTNAME_PATTERN =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** A Linux interface name (at most 15 characters, no separators). */
export const INTERFACE_PATTERN = /^[A-Za-z0-9_.-]{1,15}$/;

/** A Talos release tag (`v1.9.5`, `v1.10.0-beta.1`). */
export const TALOS_VERSION_PATTERN = /^v\d{1,3}\.\d{1,3}\.\d{1,3}(-[A-Za-z0-9.]{1,32})?$/;

/** A per-machine config URL token: URL-safe and long enough to be unguessable. */
export const CONFIG_TOKEN_PATTERN = /^[A-Za-z0-9_-]{22,128}$/;

/** An artifact file name in the cache: a single path segment, never hidden, never `..`. */
export const ARTIFACT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Returns a validated `http(s)` base URL without a trailing slash.
 * Thrown when the URL is not http(s) or carries characters unsafe in a script: `ValidationError`.
 */
export function normaliseBaseUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new ValidationError('Invalid boot server URL', { url: input.slice(0, 200) });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ValidationError('Boot server URL must be http(s)');
  if (url.search || url.hash || url.username || url.password) {
    throw new ValidationError('Boot server URL must not carry a query, fragment or credentials');
  }
  const text = url.toString().replace(/\/+$/, '');
  if (!/^[A-Za-z0-9:/._~%[\]-]+$/.test(text)) throw new ValidationError('Boot server URL has unsafe characters');
  return text;
}
