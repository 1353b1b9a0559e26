/**
 * How a machine is booted into what its boot plan says (utility OS, Talos): `pxe` (the firmware's
 * network boot, proxyDHCP → TFTP → iPXE → HTTP), or `virtual-media` (the agent builds an ISO of
 * the same boot, the BMC inserts it into its virtual CD and the machine boots once from it; for
 * networks that forbid PXE; Redfish BMCs only).
 */
export const BOOT_METHODS = ['pxe', 'virtual-media'] as const;
export type BootMethod = (typeof BOOT_METHODS)[number];
