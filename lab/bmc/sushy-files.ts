/**
 * The files one sushy-emulator (sushy-tools 2.2.0, fake driver) runs from: its Python config, a
 * launcher, and the one template the lab lays over sushy's own. Pure text builders; the caller
 * writes them into the BMC's state directory.
 */
import { createHash } from 'node:crypto';
import type { LabDiskSpec } from '../utility-os/types.js';

/** The one ComputerSystem a lab Redfish BMC presents. */
export interface SushySystem {
  uuid: string;
  name: string;
  /** Lower-case colon MACs, in the machine's NIC order. */
  macs: string[];
  disks: LabDiskSpec[];
}

/** What {@link sushyConfig} needs. */
export interface SushyConfigOptions {
  address: string;
  port: number;
  certFile: string;
  keyFile: string;
  /** htpasswd file with bcrypt entries (sushy accepts no other digest). */
  authFile: string;
  /** Where sushy keeps its SQLite state (power, boot device, virtual media). */
  stateDir: string;
  /** Receives a PUT of the whole system JSON on every change (the fake driver's external notifier). */
  notificationUrl: string;
  system: SushySystem;
}

/**
 * A stable SMBIOS-style UUID for a lab machine, from its name and serial (the spec has none of its
 * own): the same machine gets the same Redfish system id on every run.
 */
export function labSystemUuid(name: string, serial: string): string {
  const hex = createHash('sha256').update(`rackpilot-lab:${name}:${serial}`).digest('hex');
  // Shaped as a version-4, RFC 4122 variant UUID so strict parsers take it.
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A Python literal for JSON-like data (strings, finite numbers, booleans, null, arrays, plain objects). */
export function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`no Python literal for ${value}`);
    return String(value);
  }
  // A JSON string literal is a valid Python one (same escapes, \uXXXX included).
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`).join(', ')}}`;
  }
  throw new Error(`no Python literal for a ${typeof value}`);
}

/** Redfish `Drive.Protocol` of a lab disk transport. */
export function driveProtocol(transport: string): string {
  const known: Record<string, string> = { nvme: 'NVMe', sata: 'SATA', sas: 'SAS', usb: 'USB' };
  return known[transport.toLowerCase()] ?? transport.toUpperCase();
}

/** One Storage (controller) per disk protocol, as BMCs list an NVMe backplane apart from the SATA/SAS controller. */
export function storageGroups(disks: readonly LabDiskSpec[]): { id: string; disks: LabDiskSpec[] }[] {
  const groups = new Map<string, LabDiskSpec[]>();
  for (const disk of disks) {
    const id = driveProtocol(disk.transport);
    groups.set(id, [...(groups.get(id) ?? []), disk]);
  }
  return [...groups].map(([id, members]) => ({ id, disks: members }));
}

/** A drive as sushy's drive resource is configured (the lab's drive template reads the extra fields). */
function driveEntry(disk: LabDiskSpec): Record<string, unknown> {
  return {
    Id: disk.name,
    Name: disk.name,
    CapacityBytes: disk.sizeBytes,
    Protocol: driveProtocol(disk.transport),
    Model: disk.model,
    SerialNumber: disk.serial,
    MediaType: disk.rotational ? 'HDD' : 'SSD',
    RotationSpeedRPM: disk.rotational ? 7200 : null,
  };
}

/**
 * The config file sushy-emulator loads (`--config`, Python assignments). Storage and drives are
 * keyed the way sushy's static drivers look them up: storage by system UUID, drives by the tuple
 * (system UUID, storage id), which is why this is written out rather than dumped as JSON.
 */
export function sushyConfig(options: SushyConfigOptions): string {
  const { system } = options;
  const groups = storageGroups(system.disks);
  const storage = groups.map((g) => ({
    Id: g.id,
    Name: `${g.id} Storage Controller`,
    StorageControllers: [{ MemberId: '0', Name: `${g.id} Controller`, SpeedGbps: g.id === 'NVMe' ? 32 : 6 }],
    Drives: g.disks.map((d) => d.name),
  }));
  const drives = groups.map(
    (g) => `    (${pythonLiteral(system.uuid)}, ${pythonLiteral(g.id)}): ${pythonLiteral(g.disks.map(driveEntry))},`,
  );
  const fakeSystem = {
    uuid: system.uuid,
    name: system.name,
    power_state: 'Off',
    external_notifier: true,
    nics: system.macs.map((mac) => ({ mac })),
  };
  return [
    '# sushy-emulator config of one lab Redfish BMC (written by lab/bmc/sushy-files.ts).',
    `SUSHY_EMULATOR_LISTEN_IP = ${pythonLiteral(options.address)}`,
    `SUSHY_EMULATOR_LISTEN_PORT = ${pythonLiteral(options.port)}`,
    `SUSHY_EMULATOR_SSL_CERT = ${pythonLiteral(options.certFile)}`,
    `SUSHY_EMULATOR_SSL_KEY = ${pythonLiteral(options.keyFile)}`,
    `SUSHY_EMULATOR_AUTH_FILE = ${pythonLiteral(options.authFile)}`,
    `SUSHY_EMULATOR_STATE_DIR = ${pythonLiteral(options.stateDir)}`,
    'SUSHY_EMULATOR_FAKE_DRIVER = True',
    `SUSHY_EMULATOR_FAKE_SYSTEMS = ${pythonLiteral([fakeSystem])}`,
    `EXTERNAL_NOTIFICATION_URL = ${pythonLiteral(options.notificationUrl)}`,
    `SUSHY_EMULATOR_STORAGE = ${pythonLiteral({ [system.uuid]: storage })}`,
    'SUSHY_EMULATOR_DRIVES = {',
    ...drives,
    '}',
    `SUSHY_EMULATOR_VMEDIA_DEVICES = ${pythonLiteral({ Cd: { Name: 'Virtual CD', MediaTypes: ['CD', 'DVD'] } })}`,
    '',
  ].join('\n');
}

/**
 * Runs sushy-emulator's own entry point (`sushy_tools.emulator.main:main`, what the
 * `sushy-emulator` script calls) with two additions: the lab's template directory in front of
 * sushy's, and an exit when stdin closes, so a BMC never outlives the Node process that started
 * it (ipmi_sim gets the same from its console). Usage: `python launcher.py TEMPLATE_DIR --config FILE`.
 */
export function sushyLauncher(): string {
  return `"""Lab launcher of sushy-emulator (written by lab/bmc/sushy-files.ts)."""
import os
import sys
import threading

import jinja2
from sushy_tools.emulator import main


def _exit_with_parent():
    sys.stdin.buffer.read()  # returns at EOF: the process that started us is gone
    os._exit(0)


threading.Thread(target=_exit_with_parent, daemon=True).start()
overlay = sys.argv.pop(1)
main.app.jinja_loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(overlay), main.app.jinja_loader])
sys.exit(main.main())
`;
}

/**
 * sushy 2.2.0's \`templates/drive.json\` with Model, SerialNumber, MediaType, Manufacturer and
 * RotationSpeedRPM read from the configured drive (sushy's constants when absent): its own
 * template hard-codes \`"SerialNumber": "1234570"\` for every drive, and the lab's drives must
 * report the serials the machine's disks have.
 */
export function driveTemplate(): string {
  const field = (name: string, fallback: string): string =>
    `{{ drive.get('${name}', ${JSON.stringify(fallback)})|string|tojson }}`;
  return `{
    "@odata.type": "#Drive.v1_4_0.Drive",
    "Id": {{ drive['Id']|string|tojson }},
    "Name": {{ drive['Name']|string|tojson }},
    "IndicatorLED": "Lit",
    "Model": ${field('Model', 'C123')},
    "Revision": "100A",
    "Status": {
        "@odata.type": "#Resource.Status",
        "State": "Enabled",
        "Health": "OK"
    },
    "CapacityBytes": {{ drive['CapacityBytes'] }},
    "FailurePredicted": false,
    "Protocol": {{ drive['Protocol']|string|tojson }},
    "MediaType": ${field('MediaType', 'HDD')},
    "Manufacturer": ${field('Manufacturer', 'Contoso')},
    "SerialNumber": ${field('SerialNumber', '1234570')},
    "PartNumber": "C123-1111",
    "HotspareType": "Global",
    "EncryptionAbility": "SelfEncryptingDrive",
    "EncryptionStatus": "Unlocked",
    {%- if drive.get('RotationSpeedRPM', 15000) is not none %}
    "RotationSpeedRPM": {{ drive.get('RotationSpeedRPM', 15000) }},
    {%- endif %}
    "BlockSizeBytes": 512,
    "CapableSpeedGbs": 12,
    "NegotiatedSpeedGbs": 12,
    "@odata.context": "/redfish/v1/$metadata#Drive.Drive",
    "@odata.id": {{ "/redfish/v1/Systems/%s/Storage/%s/Drives/%s"|format(identity, storage_id, drive['Id'])|tojson }},
    "@Redfish.Copyright": "Copyright 2014-2017 Distributed Management Task Force, Inc. (DMTF). For the full DMTF copyright policy, see http://www.dmtf.org/about/policies/copyright."
}
`;
}
