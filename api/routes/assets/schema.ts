import { z } from 'zod';
import { ASSET_STATES } from '../../../shared/asset-state.js';
import { BMC_DRIVER_CHOICES, redfishSettingsSchema } from '../../../shared/bmc-endpoint.js';
import { BOOT_METHODS } from '../../../shared/boot-method.js';
import { wipeMethodSchema } from '../../../shared/wipe-report.js';
import { listQuery } from '../../http/paginate.js';
import { devicePath, dnsLabel, installDiskSelector, prefixLength } from '../clusters/schema.js';

/**
 * A host name of any case. The classes spell out `A-Za-z` rather than using the `i` flag: a JSON
 * Schema `pattern` has no flags, so the document would otherwise refuse the upper case the route takes.
 */
const dnsName = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
    'a DNS name',
  );
const labelKey = z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9_/-]{0,61}[A-Za-z0-9])?$/, 'a label key');
const labelValue = z.string().max(63);

export const siteId = z.string().regex(/^site_[0-9a-f]{16}$/, 'must be a site id');

/** Path parameter `{id}` of one asset. */
export { assetIdParams as assetParams } from '../../http/resource-id.js';

/** Body of `POST /api/v1/assets` (and each item of the bulk form). */
export const createAssetBody = z
  .strictObject({
    siteId: siteId.describe('The site whose agent reaches the BMC'),
    bmc: z
      .strictObject({
        address: z.union([z.ipv4(), z.ipv6(), dnsName]).describe('BMC IP address or host name'),
        port: z
          .number()
          .int()
          .min(1)
          .max(65535)
          .optional()
          .describe('Default: 623 for ipmi and detect (IPMI’s port; detect probes Redfish at 443), 443 for redfish'),
        username: z.string().min(1).max(64),
        password: z.string().min(1).max(128).describe('Stored encrypted; never returned'),
        driver: z
          .enum(BMC_DRIVER_CHOICES)
          .default('detect')
          .describe(
            'ipmi, redfish, or detect: the agent tries Redfish’s service root, then IPMI, and records what answered',
          ),
        cipherSuite: z.number().int().min(0).max(17).default(17).describe('IPMI cipher suite (3 for older BMCs)'),
        redfish: redfishSettingsSchema
          .optional()
          .describe('Redfish settings (redfish and detect): certificate trust, and the system id on multi-system BMCs'),
      })
      .refine((b) => !(b.driver === 'ipmi' && b.redfish !== undefined), {
        message: 'redfish settings apply to driver redfish or detect, not ipmi',
        path: ['redfish'],
      }),
    hostname: dnsName.optional(),
    labels: z.record(labelKey, labelValue).optional(),
    bootMethod: z
      .enum(BOOT_METHODS)
      .default('pxe')
      .describe(
        'pxe, or virtual-media: the agent builds an ISO of the boot and the BMC boots it from its virtual CD (Redfish BMCs; for networks without PXE)',
      ),
  })
  .refine((a) => !(a.bootMethod === 'virtual-media' && a.bmc.driver === 'ipmi'), {
    message: 'virtual-media boot needs a Redfish BMC: driver redfish or detect, not ipmi',
    path: ['bootMethod'],
  });
export type CreateAssetBody = z.infer<typeof createAssetBody>;

/** Most assets one bulk request may enrol. */
export const BULK_MAX = 100;

/** Body of `POST /api/v1/assets:bulk`: each item is validated on its own and reported per item. */
export const bulkAssetsBody = z.strictObject({
  assets: z
    .array(z.unknown())
    .min(1)
    .max(BULK_MAX)
    .describe(`Up to ${BULK_MAX} bodies of \`POST /api/v1/assets\`; each is validated and reported on its own`),
});

/** Query of `GET /api/v1/assets`. */
export const listAssetsQuery = listQuery(['createdAt', 'updatedAt', 'hostname', 'status'], '-createdAt', {
  status: z.enum(ASSET_STATES).optional(),
  siteId: siteId.optional(),
  clusterId: z.string().min(1).optional(),
  label: z
    .string()
    .regex(/^[^=,]+=[^=,]*(,[^=,]+=[^=,]*)*$/, 'key=value, comma-separated for several')
    .optional()
    .describe('Only assets with these labels: `rack=r1` or `rack=r1,role=db`'),
});

/** Parses `rack=r1,role=db`. */
export function parseLabelFilter(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  return Object.fromEntries(
    text.split(',').map((pair) => {
      const at = pair.indexOf('=');
      return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    }),
  );
}

/** Body of `PATCH /api/v1/assets/{id}`. */
export const updateAssetBody = z
  .strictObject({
    hostname: dnsName.nullable().optional().describe('null removes it'),
    labels: z.record(labelKey, labelValue.nullable()).optional().describe('Merged; a null value removes the label'),
  })
  .refine((b) => b.hostname !== undefined || b.labels !== undefined, { message: 'nothing to change' })
  // The refinement is invisible to JSON Schema; `minProperties` says the same of a JSON body.
  .meta({ minProperties: 1 });

/** Body of `POST /api/v1/assets/{id}/wipe`. */
export const wipeAssetBody = z.strictObject({ mode: wipeMethodSchema.describe('quick | secure') });

/** Body of `POST /api/v1/assets/{id}/provision`: a standalone Talos machine (a single-node cluster). */
export const provisionAssetBody = z.strictObject({
  os: z.literal('talos').describe('The only OS Rackpilot installs'),
  version: z
    .string()
    .regex(/^v?\d+\.\d+\.\d+$/, 'must be a Talos version like v1.10.6')
    .default('v1.10.6')
    .describe('Talos version'),
  installDisk: z
    .union([devicePath, installDiskSelector])
    .optional()
    .describe("A path under /dev/ or {wwn|serial|path}; defaults to the inventory's first non-rotational disk"),
  network: z
    .strictObject(
      { ip: z.ipv4(), subnet: prefixLength, gateway: z.ipv4() },
      {
        error: (issue) =>
          issue.input === undefined
            ? 'a static address is required: {ip, subnet, gateway} (Rackpilot hands out no DHCP leases)'
            : undefined,
      },
    )
    .describe("The machine's static address"),
  hostname: dnsLabel.optional(),
  name: dnsLabel.optional().describe('Name of the single-node cluster; defaults to <hostname or "talos">-<random>'),
  dns: z
    .array(z.union([z.ipv4(), z.ipv6()]))
    .max(10)
    .optional(),
  ntp: z.array(z.string().min(1).max(253)).max(10).optional(),
  kubernetesVersion: z.string().max(32).default('1.33.3'),
});
export type ProvisionAssetBody = z.infer<typeof provisionAssetBody>;

export const provisionAssetQuery = z.strictObject({
  dryRun: z.enum(['true', 'false']).optional().describe('true: validate and return the plan, change nothing'),
});

/** Body of `POST /api/v1/assets/{id}/maintenance`. */
export const maintenanceBody = z.strictObject({ enabled: z.boolean() });
