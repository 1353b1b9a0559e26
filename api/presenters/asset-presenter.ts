import { z } from 'zod';
import type { AssetDoc } from '../../db/asset-repository.js';
import { ASSET_STATES } from '../../shared/asset-state.js';
import { BMC_DRIVER_CHOICES, type RedfishSettings } from '../../shared/bmc-endpoint.js';
import { BOOT_METHODS } from '../../shared/boot-method.js';
import { bmcHardwareSchema, inventorySchema, summarizeSpecs } from '../../shared/inventory.js';
import { wipeReportSchema, type WipeReport } from '../../shared/wipe-report.js';

const dateTime = z.iso.datetime();

/**
 * An asset's Redfish settings as enrolled. The CA and the pinned fingerprint are public material,
 * so they are shown; `tls: {}` means the system's CAs.
 */
const redfishView = z.strictObject({
  tls: z.strictObject({
    caPem: z.string().optional().describe('The operator CA the BMC certificate must chain to'),
    fingerprintSha256: z.string().optional().describe('The pinned BMC certificate'),
    insecure: z.boolean().optional().describe('true: any certificate is accepted'),
  }),
  systemId: z.string().optional().describe('The ComputerSystem id on a BMC with several'),
});

/** An asset as the API shows it (Colony's fields first). Never the BMC password. */
export const assetSchema = z.strictObject({
  id: z.string(),
  hostname: z.string().nullable(),
  status: z.enum(ASSET_STATES),
  ipmi: z.string().describe('BMC address (Colony field)'),
  specs: z
    .strictObject({ cpu: z.string(), ram: z.string(), disk: z.string() })
    .nullable()
    .describe('Hardware summary; null until discovery has taken inventory'),
  siteId: z.string(),
  bmc: z.strictObject({
    driver: z.enum(BMC_DRIVER_CHOICES).describe('detect until the agent has found what the BMC speaks'),
    address: z.string(),
    port: z.number().int(),
    username: z.string(),
    cipherSuite: z.number().int(),
    redfish: redfishView
      .nullable()
      .describe('Redfish settings (drivers redfish and detect); null when none were given'),
  }),
  labels: z.record(z.string(), z.string()),
  bootMethod: z.enum(BOOT_METHODS).describe('How the machine boots what its plan says: pxe or virtual-media'),
  inventory: inventorySchema.nullable().describe('Full inventory (CPUs, memory, disks, NICs, DMI, BMC)'),
  bmcHardware: bmcHardwareSchema
    .nullable()
    .describe(
      'What the BMC itself reported at discovery (Redfish: model, serial, drives, MACs); null when it reported nothing (IPMI)',
    ),
  clusterId: z.string().nullable(),
  workflowId: z.string().nullable().describe('The workflow currently or last acting on the asset'),
  lastError: z
    .strictObject({ step: z.string(), reason: z.string(), message: z.string(), workflowId: z.string(), at: dateTime })
    .nullable(),
  createdAt: dateTime,
  updatedAt: dateTime,
});

export type AssetView = z.infer<typeof assetSchema>;

/** Shapes a stored asset for the wire. */
export function presentAsset(asset: AssetDoc): AssetView {
  const specs = asset.specs ?? (asset.inventory ? summarizeSpecs(asset.inventory) : null);
  return {
    id: asset._id,
    hostname: asset.hostname ?? null,
    status: asset.state,
    ipmi: asset.bmc.address,
    specs: specs ? { cpu: specs.cpu, ram: specs.ram, disk: specs.disk } : null,
    siteId: asset.siteId,
    bmc: {
      driver: asset.bmc.driver,
      address: asset.bmc.address,
      port: asset.bmc.port,
      username: asset.bmc.username,
      cipherSuite: asset.bmc.cipherSuite,
      redfish: asset.bmc.redfish ? presentRedfish(asset.bmc.redfish) : null,
    },
    labels: asset.labels,
    bootMethod: asset.bootMethod ?? 'pxe',
    inventory: asset.inventory ?? null,
    bmcHardware: asset.bmcHardware ?? null,
    clusterId: asset.clusterId ?? null,
    workflowId: asset.workflowId ?? null,
    lastError: asset.lastError
      ? {
          step: asset.lastError.step,
          reason: asset.lastError.reason,
          message: asset.lastError.message,
          workflowId: asset.lastError.workflowId,
          at: asset.lastError.at.toISOString(),
        }
      : null,
    createdAt: asset.createdAt.toISOString(),
    updatedAt: asset.updatedAt.toISOString(),
  };
}

/** Copies the Redfish settings field by field: only what the view names leaves the process. */
function presentRedfish(redfish: RedfishSettings): z.infer<typeof redfishView> {
  const { caPem, fingerprintSha256, insecure } = redfish.tls;
  return {
    tls: {
      ...(caPem !== undefined ? { caPem } : {}),
      ...(fingerprintSha256 !== undefined ? { fingerprintSha256 } : {}),
      ...(insecure !== undefined ? { insecure } : {}),
    },
    ...(redfish.systemId !== undefined ? { systemId: redfish.systemId } : {}),
  };
}

/** The per-disk evidence of an asset's last wipe: what was erased, how, and what the read-back found. */
export const wipeReportsSchema = z.strictObject({
  assetId: z.string(),
  workflowId: z
    .string()
    .nullable()
    .describe('The workflow that acted on the asset last (the wipe, or what followed it)'),
  items: z.array(z.strictObject(wipeReportSchema.shape)).describe('One report per disk; empty until a wipe has run'),
});

/** Copies each report field by field (the stored document may carry more than the schema names). */
export function presentWipeReports(asset: AssetDoc): z.infer<typeof wipeReportsSchema> {
  return {
    assetId: asset._id,
    workflowId: asset.workflowId ?? null,
    items: (asset.wipeReports ?? []).map((r: WipeReport) => ({
      diskId: r.diskId,
      path: r.path,
      model: r.model,
      serial: r.serial,
      wwn: r.wwn,
      sizeBytes: r.sizeBytes,
      method: r.method,
      technique: r.technique,
      commands: r.commands.map((c) => ({ command: c.command, exitCode: c.exitCode, durationMs: c.durationMs })),
      verification: { ...r.verification },
      ...(r.error !== undefined ? { error: r.error } : {}),
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
    })),
  };
}
