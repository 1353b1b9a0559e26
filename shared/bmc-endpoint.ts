/**
 * How a BMC is reached: the protocol (IPMI over LAN, Redfish over HTTPS, or "detect" until the
 * agent has tried), and the protocol's own settings. Shared by the API (enrolment, storage), the
 * agent protocol (credentials handed to the agent) and the agent's drivers.
 */
import { z } from 'zod';

/** Protocols a BMC driver speaks. */
export const BMC_PROTOCOLS = ['ipmi', 'redfish'] as const;
export type BmcProtocol = (typeof BMC_PROTOCOLS)[number];

/** What an operator may enrol: a protocol, or `detect` (Redfish's service root first, then IPMI). */
export const BMC_DRIVER_CHOICES = [...BMC_PROTOCOLS, 'detect'] as const;
export type BmcDriverChoice = (typeof BMC_DRIVER_CHOICES)[number];

/** Default ports: RMCP+ for IPMI, HTTPS for Redfish. */
export const DEFAULT_BMC_PORT: Record<BmcProtocol, number> = { ipmi: 623, redfish: 443 };

/** `AB:CD:…` (32 pairs), the SHA-256 fingerprint of a certificate as `openssl x509 -fingerprint -sha256` prints it. */
export const sha256Fingerprint = z
  .string()
  .regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/, 'a SHA-256 fingerprint, 32 colon-separated hex pairs')
  .transform((f) => f.toUpperCase());

/**
 * How the agent trusts a Redfish BMC's certificate. Exactly one way: the system's CAs (nothing set),
 * an operator CA (`caPem`), a pinned certificate (`fingerprintSha256`, for the self-signed
 * certificates most BMCs ship with), or no check at all (`insecure: true`, only when asked).
 */
export const redfishTlsSchema = z
  .strictObject({
    caPem: z
      .string()
      .max(32_768)
      .regex(/-----BEGIN CERTIFICATE-----/, 'a PEM certificate')
      .optional()
      .describe('PEM CA (or chain) that signed the BMC certificate'),
    fingerprintSha256: sha256Fingerprint.optional().describe('Pin the BMC certificate by its SHA-256 fingerprint'),
    insecure: z.boolean().optional().describe('Accept any certificate (lab use only)'),
  })
  .refine((t) => [t.caPem !== undefined, t.fingerprintSha256 !== undefined, t.insecure === true].filter(Boolean).length <= 1, {
    message: 'choose one of caPem, fingerprintSha256 or insecure',
  });
export type RedfishTls = z.infer<typeof redfishTlsSchema>;

/** Redfish settings of a BMC. */
export const redfishSettingsSchema = z.strictObject({
  tls: redfishTlsSchema.default({}),
  /**
   * Id of the ComputerSystem this asset is (`/redfish/v1/Systems/<id>`). Omitted: the BMC's only
   * system; a BMC with several (a chassis manager) requires it.
   */
  systemId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,128}$/)
    .optional(),
});
export type RedfishSettings = z.infer<typeof redfishSettingsSchema>;
