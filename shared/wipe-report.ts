/**
 * What a wipe job asks for and what it reports, per disk. The report is stored on the asset and
 * the workflow: it is the evidence that a disk was erased and checked.
 */
import { z } from 'zod';

/** `quick`: signatures, partition tables and head/tail zeroed. `secure`: the whole medium erased. */
export const wipeMethodSchema = z.enum(['quick', 'secure']);
export type WipeMethod = z.infer<typeof wipeMethodSchema>;

/**
 * The technique actually used on a disk: `metadata` (wipefs + sgdisk + head/tail zero),
 * `nvme-format` (NVMe Format with user-data secure erase), `ata-secure-erase`, `blkdiscard`, `zero-fill`.
 */
export const wipeTechniqueSchema = z.enum(['metadata', 'nvme-format', 'ata-secure-erase', 'blkdiscard', 'zero-fill']);
export type WipeTechnique = z.infer<typeof wipeTechniqueSchema>;

/**
 * One disk the job expects to wipe. The agent refuses the disk (and the job) unless the device at
 * `path` carries every identity given here: never wipe the wrong disk.
 */
export const wipeTargetSchema = z
  .object({
    path: z.string().regex(/^\/dev\/[a-z0-9]+$/),
    serial: z.string().min(1).optional(),
    wwn: z.string().min(1).optional(),
  })
  .refine((t) => t.serial !== undefined || t.wwn !== undefined, { message: 'serial or wwn is required' });
export type WipeTarget = z.infer<typeof wipeTargetSchema>;

/** One command the agent ran on the disk, in order. */
export const wipeCommandRecordSchema = z.object({
  command: z.string(),
  exitCode: z.number().int(),
  durationMs: z.number().nonnegative(),
});
export type WipeCommandRecord = z.infer<typeof wipeCommandRecordSchema>;

/** The checks run after erasing. `passed` is true only when every check passed. */
export const wipeVerificationSchema = z.object({
  passed: z.boolean(),
  /** Signature types `wipefs`/`blkid` still find (e.g. `gpt`, `PMBR`, `ext4`); empty when clean. */
  signaturesFound: z.array(z.string()),
  /** Bytes read back from the start of the disk and compared with zeros. */
  headBytesChecked: z.number().int().nonnegative(),
  headZero: z.boolean(),
  /** Bytes read back from the end of the disk and compared with zeros. */
  tailBytesChecked: z.number().int().nonnegative(),
  tailZero: z.boolean(),
  /** Human explanation of each failed check. */
  problems: z.array(z.string()),
});
export type WipeVerification = z.infer<typeof wipeVerificationSchema>;

export const wipeReportSchema = z.object({
  /** Stable disk id: the WWN when known, else the serial. */
  diskId: z.string(),
  path: z.string(),
  model: z.string().nullable(),
  serial: z.string().nullable(),
  wwn: z.string().nullable(),
  sizeBytes: z.number().int().nonnegative(),
  method: wipeMethodSchema,
  technique: wipeTechniqueSchema,
  commands: z.array(wipeCommandRecordSchema),
  verification: wipeVerificationSchema,
  /** Set when the erase itself failed (a command exited non-zero); verification still ran. */
  error: z.string().optional(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
});
export type WipeReport = z.infer<typeof wipeReportSchema>;
