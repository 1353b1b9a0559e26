/**
 * Part B's assets: `count` discovered (`available`) servers with a full hardware inventory, as
 * discovery leaves them, inserted straight into the `assets` collection of one organization (no
 * workflow runs for them). A page of `GET /api/v1/assets` carries each inventory in full.
 */
import type { Container } from '../../api/container.js';
import type { AssetDoc } from '../../db/asset-repository.js';
import { newId } from '../../db/ids.js';
import { summarizeSpecs, type Inventory } from '../../shared/inventory.js';
import { bmcPasswordContext } from '../../shared/secret-contexts.js';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const mac = (i: number, port: number) => `52:54:00:${hex((i >> 8) & 0xff, 2)}:${hex(i & 0xff, 2)}:${hex(port, 2)}`;

/** A two-socket server with 2 NVMe and 4 HDD, two NICs: the inventory the agent records for it. */
function inventoryOf(i: number): Inventory {
  const disk = (n: number, nvme: boolean) => ({
    name: nvme ? `nvme${n}n1` : `sd${String.fromCharCode(97 + n)}`,
    path: nvme ? `/dev/nvme${n}n1` : `/dev/sd${String.fromCharCode(97 + n)}`,
    sizeBytes: nvme ? 1_920_383_410_176 : 4_000_787_030_016,
    model: nvme ? 'SAMSUNG MZQL21T9HCJR-00A07' : 'ST4000NM000A-2HZ100',
    serial: `S${hex(i, 6)}${n}`,
    wwn: nvme ? `eui.0025388${hex(i, 6)}${n}` : `0x5000c500${hex(i, 6)}${n}`,
    rotational: !nvme,
    transport: nvme ? 'nvme' : 'sata',
    type: 'disk',
  });
  return {
    cpu: { model: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz', cores: 64, threads: 128, sockets: 2 },
    memory: { totalBytes: 540_000_000_000 },
    disks: [disk(0, true), disk(1, true), ...[0, 1, 2, 3].map((n) => disk(n, false))],
    nics: [0, 1].map((port) => ({ name: `eno${port + 1}`, mac: mac(i, port), speedMbps: 25_000, state: 'up' })),
    dmi: { vendor: 'Supermicro', product: 'SYS-120U-TNR', serial: `SM${hex(i, 8)}` },
    bmc: { ipAddress: `10.0.${(i >> 8) & 0xff}.${i & 0xff}`, mac: mac(i, 0xff) },
  };
}

/** Inserts `count` available assets of `orgId` in `siteId`. */
export async function insertInventoryAssets(
  container: Container,
  orgId: string,
  siteId: string,
  count: number,
): Promise<void> {
  const docs: AssetDoc[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = newId('ast');
    const inventory = inventoryOf(i);
    const at = new Date(Date.now() - (count - i) * 1_000);
    docs.push({
      _id: id,
      orgId,
      siteId,
      hostname: `rack${Math.floor(i / 40)}-node${i % 40}`,
      state: 'available',
      version: 3,
      bmc: {
        driver: 'ipmi',
        address: `127.30.${(i >> 8) & 0xff}.${i & 0xff}`,
        port: 623,
        username: 'admin',
        passwordSecret: container.secretBox.seal('bench-load', bmcPasswordContext(id)),
        cipherSuite: 17,
      },
      labels: { rack: `r${Math.floor(i / 40)}`, bench: 'load' },
      macs: inventory.nics.map((n) => n.mac),
      inventory,
      specs: summarizeSpecs(inventory),
      createdAt: at,
      updatedAt: at,
    });
  }
  for (let i = 0; i < docs.length; i += 100)
    await container.repositories.assets.collection.insertMany(docs.slice(i, i + 100));
}
