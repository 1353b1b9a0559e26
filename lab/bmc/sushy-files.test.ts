import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultServerSpec } from '../machine/machine-spec.js';
import type { LabDiskSpec } from '../utility-os/types.js';
import {
  driveProtocol,
  driveTemplate,
  labSystemUuid,
  pythonLiteral,
  type SushyConfigOptions,
  storageGroups,
  sushyConfig,
  sushyLauncher,
} from './sushy-files.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const workDir = mkdtempSync(join(tmpdir(), 'sushy-files-'));
let fileCount = 0;

/** Writes `text` to a fresh file in the test's temp directory and returns its path. */
function tempFile(name: string, text: string): string {
  fileCount += 1;
  const path = join(workDir, `${fileCount.toString()}-${name}`);
  writeFileSync(path, text);
  return path;
}

/** Runs a Python program (`-c`) with arguments and returns its stdout. */
function python(program: string, ...args: string[]): string {
  return execFileSync('python3', ['-c', program, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Throws unless the file is syntactically valid Python. */
function parsePython(path: string): void {
  python('import ast,sys; ast.parse(open(sys.argv[1]).read())', path);
}

/** What Python makes of each literal, brought back as JSON (ASCII-escaped, so lone surrogates survive). */
function evalPythonLiterals(literals: string[]): unknown[] {
  const program = 'import ast,json,sys; print(json.dumps([ast.literal_eval(s) for s in json.loads(sys.argv[1])]))';
  return JSON.parse(python(program, JSON.stringify(literals))) as unknown[];
}

const hasJinja2 = ((): boolean => {
  try {
    python('import jinja2');
    return true;
  } catch {
    return false;
  }
})();

function disk(name: string, transport: string): LabDiskSpec {
  return {
    name,
    sizeBytes: 64 * 1024 * 1024,
    model: 'M',
    serial: `S-${name}`,
    wwn: null,
    rotational: false,
    transport,
  };
}

/** The config options of lab machine 0: one NVMe and two SATA disks. */
function labMachineConfig(): SushyConfigOptions {
  const spec = defaultServerSpec(0);
  return {
    address: spec.bmcAddress,
    port: 8443,
    certFile: '/lab/bmc/lab-01/cert.pem',
    keyFile: '/lab/bmc/lab-01/key.pem',
    authFile: '/lab/bmc/lab-01/htpasswd',
    stateDir: '/lab/bmc/lab-01/state',
    notificationUrl: 'http://127.0.0.1:40123/notify',
    system: {
      uuid: labSystemUuid(spec.name, spec.dmi.serial),
      name: spec.name,
      macs: spec.nics.map((nic) => nic.mac),
      disks: spec.disks,
    },
  };
}

describe('labSystemUuid', () => {
  it('gives the same machine the same UUID on every call', () => {
    expect(labSystemUuid('lab-01', 'LAB01X00')).toBe(labSystemUuid('lab-01', 'LAB01X00'));
  });

  it('gives a different UUID when the name or the serial differs', () => {
    const base = labSystemUuid('lab-01', 'LAB01X00');
    expect(labSystemUuid('lab-02', 'LAB01X00')).not.toBe(base);
    expect(labSystemUuid('lab-01', 'LAB01X07')).not.toBe(base);
    // The separator keeps name and serial apart: moving characters across it changes the UUID.
    expect(labSystemUuid('lab-0', '1LAB01X00')).not.toBe(base);
  });

  it('is shaped as an RFC 4122 version-4 UUID for every lab machine', () => {
    const uuids = Array.from({ length: 251 }, (_, index) => {
      const spec = defaultServerSpec(index);
      return labSystemUuid(spec.name, spec.dmi.serial);
    });
    for (const uuid of uuids) expect(uuid).toMatch(UUID_V4);
    expect(new Set(uuids).size).toBe(uuids.length);
  });
});

describe('pythonLiteral', () => {
  it('writes null and undefined as None and booleans as True/False', () => {
    expect(pythonLiteral(null)).toBe('None');
    expect(pythonLiteral(undefined)).toBe('None');
    expect(pythonLiteral(true)).toBe('True');
    expect(pythonLiteral(false)).toBe('False');
  });

  it('writes finite numbers as Python reads them back', () => {
    expect(pythonLiteral(0)).toBe('0');
    expect(pythonLiteral(8443)).toBe('8443');
    expect(pythonLiteral(-1.5)).toBe('-1.5');
    const numbers = [0, 8443, -1.5, 1e21, 5e-7, 68_719_476_736];
    expect(evalPythonLiterals(numbers.map(pythonLiteral))).toEqual(numbers);
  });

  it('writes strings as JSON string literals that Python reads back unchanged', () => {
    expect(pythonLiteral('plain')).toBe('"plain"');
    expect(pythonLiteral('say "hi"\\now\n')).toBe('"say \\"hi\\"\\\\now\\n"');
    const awkward = [
      '',
      `it's "quoted"`,
      'back\\slash \\n not a newline',
      'line\nbreak\r\ttab',
      'nul \0 and bell \x07',
      'café ünïcödé 😀',
      'separators \u2028 \u2029',
      'lone surrogate \ud800',
      '{{ jinja }} %s {0}',
    ];
    for (const s of awkward) expect(pythonLiteral(s)).toBe(JSON.stringify(s));
    expect(evalPythonLiterals(awkward.map(pythonLiteral))).toEqual(awkward);
  });

  it('writes arrays as lists and plain objects as dicts, nested', () => {
    expect(pythonLiteral([])).toBe('[]');
    expect(pythonLiteral({})).toBe('{}');
    expect(pythonLiteral([1, 'a', null, true])).toBe('[1, "a", None, True]');
    expect(pythonLiteral({ a: { b: [false, { c: null }] } })).toBe('{"a": {"b": [False, {"c": None}]}}');
    const nested = { 'key "q"': [1, { x: 'y', z: [true, false, null] }], empty: {}, list: [[], [[]]] };
    expect(evalPythonLiterals([pythonLiteral(nested)])).toEqual([nested]);
  });

  it('drops object entries whose value is undefined, but keeps undefined array items as None', () => {
    expect(pythonLiteral({ a: 1, b: undefined, c: null })).toBe('{"a": 1, "c": None}');
    expect(pythonLiteral([undefined])).toBe('[None]');
  });

  it('refuses values Python has no JSON-like literal for', () => {
    expect(() => pythonLiteral(Number.NaN)).toThrow(/no Python literal/);
    expect(() => pythonLiteral(Number.POSITIVE_INFINITY)).toThrow(/no Python literal/);
    expect(() => pythonLiteral(Number.NEGATIVE_INFINITY)).toThrow(/no Python literal/);
    expect(() => pythonLiteral(() => 1)).toThrow(/no Python literal for a function/);
    expect(() => pythonLiteral(Symbol('s'))).toThrow(/no Python literal for a symbol/);
    expect(() => pythonLiteral({ nested: [Number.NaN] })).toThrow(/no Python literal/);
    expect(() => pythonLiteral({ run: () => 1 })).toThrow(/no Python literal for a function/);
  });
});

describe('driveProtocol', () => {
  it('names the known transports as Redfish does', () => {
    expect(driveProtocol('nvme')).toBe('NVMe');
    expect(driveProtocol('sata')).toBe('SATA');
    expect(driveProtocol('sas')).toBe('SAS');
    expect(driveProtocol('usb')).toBe('USB');
  });

  it('ignores the case of the transport', () => {
    expect(driveProtocol('NVME')).toBe('NVMe');
    expect(driveProtocol('Sata')).toBe('SATA');
  });

  it('upper-cases a transport it does not know', () => {
    expect(driveProtocol('fc')).toBe('FC');
  });
});

describe('storageGroups', () => {
  it('puts the disks of one protocol in one storage, in the order protocols are first seen', () => {
    const disks = [disk('sda', 'sata'), disk('nvme0n1', 'nvme'), disk('sdb', 'SATA'), disk('sdc', 'sas')];
    const groups = storageGroups(disks);
    expect(groups.map((g) => [g.id, g.disks.map((d) => d.name)])).toEqual([
      ['SATA', ['sda', 'sdb']],
      ['NVMe', ['nvme0n1']],
      ['SAS', ['sdc']],
    ]);
    expect(groups[0]?.disks[1]).toBe(disks[2]);
  });

  it('has no storage for a machine without disks', () => {
    expect(storageGroups([])).toEqual([]);
  });

  it('does not change the disk list it is given', () => {
    const disks = [disk('sda', 'sata'), disk('nvme0n1', 'nvme')];
    storageGroups(disks);
    expect(disks.map((d) => d.name)).toEqual(['sda', 'nvme0n1']);
  });
});

describe('sushyConfig', () => {
  const options = labMachineConfig();
  const config = sushyConfig(options);
  const { uuid } = options.system;

  it('configures the fake driver on the BMC address with its TLS, auth, state and notification files', () => {
    expect(config).toContain('SUSHY_EMULATOR_FAKE_DRIVER = True');
    expect(config).toContain('SUSHY_EMULATOR_LISTEN_IP = "127.20.0.2"');
    expect(config).toContain('SUSHY_EMULATOR_LISTEN_PORT = 8443');
    expect(config).toContain('SUSHY_EMULATOR_SSL_CERT = "/lab/bmc/lab-01/cert.pem"');
    expect(config).toContain('SUSHY_EMULATOR_SSL_KEY = "/lab/bmc/lab-01/key.pem"');
    expect(config).toContain('SUSHY_EMULATOR_AUTH_FILE = "/lab/bmc/lab-01/htpasswd"');
    expect(config).toContain('SUSHY_EMULATOR_STATE_DIR = "/lab/bmc/lab-01/state"');
    expect(config).toContain('EXTERNAL_NOTIFICATION_URL = "http://127.0.0.1:40123/notify"');
  });

  it('lists one storage per disk protocol and every disk serial', () => {
    expect(config).toContain('"Id": "NVMe"');
    expect(config).toContain('"Id": "SATA"');
    expect(options.system.disks).toHaveLength(3);
    for (const d of options.system.disks) expect(config).toContain(JSON.stringify(d.serial));
  });

  it('keys the drives by the (system UUID, storage id) tuple sushy looks them up by', () => {
    expect(config).toContain(`    ("${uuid}", "NVMe"): [`);
    expect(config).toContain(`    ("${uuid}", "SATA"): [`);
  });

  it('is valid Python', () => {
    expect(() => parsePython(tempFile('config.py', config))).not.toThrow();
  });

  it('sets, when run by Python, the system, storage and drives the lab machine has', () => {
    const program = [
      'import json, sys',
      'ns = {}',
      'exec(compile(open(sys.argv[1]).read(), sys.argv[1], "exec"), ns)',
      'out = {k: v for k, v in ns.items() if k.isupper()}',
      'out["SUSHY_EMULATOR_DRIVES"] = [[list(k), v] for k, v in ns["SUSHY_EMULATOR_DRIVES"].items()]',
      'print(json.dumps(out))',
    ].join('\n');
    const settings = JSON.parse(python(program, tempFile('config.py', config))) as Record<string, unknown>;
    expect(settings).toMatchObject({
      SUSHY_EMULATOR_LISTEN_IP: '127.20.0.2',
      SUSHY_EMULATOR_LISTEN_PORT: 8443,
      SUSHY_EMULATOR_FAKE_DRIVER: true,
      SUSHY_EMULATOR_AUTH_FILE: '/lab/bmc/lab-01/htpasswd',
      EXTERNAL_NOTIFICATION_URL: 'http://127.0.0.1:40123/notify',
    });
    expect(settings.SUSHY_EMULATOR_FAKE_SYSTEMS).toEqual([
      {
        uuid,
        name: 'lab-01',
        power_state: 'Off',
        external_notifier: true,
        nics: options.system.macs.map((mac) => ({ mac })),
      },
    ]);
    const storage = settings.SUSHY_EMULATOR_STORAGE as Record<string, { Id: string; Drives: string[] }[]>;
    expect(Object.keys(storage)).toEqual([uuid]);
    expect(storage[uuid]?.map((s) => [s.Id, s.Drives])).toEqual([
      ['NVMe', ['nvme0n1']],
      ['SATA', ['sda', 'sdb']],
    ]);
    const drives = settings.SUSHY_EMULATOR_DRIVES as [[string, string], Record<string, unknown>[]][];
    expect(drives.map(([key, list]) => [key, list.map((d) => d.SerialNumber)])).toEqual([
      [[uuid, 'NVMe'], [options.system.disks[0]?.serial]],
      [
        [uuid, 'SATA'],
        [options.system.disks[1]?.serial, options.system.disks[2]?.serial],
      ],
    ]);
    const [sda, sdb] = drives[1]?.[1] ?? [];
    expect(sda).toMatchObject({ Id: 'sda', Protocol: 'SATA', MediaType: 'SSD', RotationSpeedRPM: null });
    expect(sdb).toMatchObject({ Id: 'sdb', Protocol: 'SATA', MediaType: 'HDD', RotationSpeedRPM: 7200 });
    expect(sdb?.CapacityBytes).toBe(options.system.disks[2]?.sizeBytes);
  });

  it('stays valid Python when paths and names carry quotes, backslashes and newlines', () => {
    const awkward = sushyConfig({
      ...options,
      authFile: `/lab/it's "here"\\htpasswd`,
      notificationUrl: 'http://127.0.0.1:1/a"b\nc',
      system: { ...options.system, name: 'lab "01"\u2028' },
    });
    const path = tempFile('awkward.py', awkward);
    expect(() => parsePython(path)).not.toThrow();
    const program =
      'import json,sys; ns={}; exec(open(sys.argv[1]).read(), ns); print(json.dumps([ns["SUSHY_EMULATOR_AUTH_FILE"], ns["EXTERNAL_NOTIFICATION_URL"], ns["SUSHY_EMULATOR_FAKE_SYSTEMS"][0]["name"]]))';
    expect(JSON.parse(python(program, path))).toEqual([
      `/lab/it's "here"\\htpasswd`,
      'http://127.0.0.1:1/a"b\nc',
      'lab "01"\u2028',
    ]);
  });
});

describe('sushyLauncher', () => {
  it('is valid Python', () => {
    expect(() => parsePython(tempFile('launcher.py', sushyLauncher()))).not.toThrow();
  });

  it("puts the lab's template directory (its first argument) in front of sushy's templates", () => {
    const launcher = sushyLauncher();
    expect(launcher).toContain('overlay = sys.argv.pop(1)');
    expect(launcher).toContain('jinja2.ChoiceLoader([jinja2.FileSystemLoader(overlay), main.app.jinja_loader])');
    expect(launcher).toContain('sys.exit(main.main())');
  });
});

describe('driveTemplate', () => {
  it('reads the serial number from the configured drive', () => {
    expect(driveTemplate()).toContain(`"SerialNumber": {{ drive.get('SerialNumber', "1234570")|string|tojson }}`);
    expect(driveTemplate()).not.toContain('"SerialNumber": "1234570"');
  });

  /** Renders the template for one drive as sushy does (Jinja2), and parses the JSON it makes. */
  function render(drive: Record<string, unknown>): Record<string, unknown> {
    const program = [
      'import jinja2, json, sys',
      'template = jinja2.Environment().from_string(open(sys.argv[1]).read())',
      'print(template.render(drive=json.loads(sys.argv[2]), identity="sys-1", storage_id="SATA"))',
    ].join('\n');
    return JSON.parse(python(program, tempFile('drive.json', driveTemplate()), JSON.stringify(drive))) as Record<
      string,
      unknown
    >;
  }

  it.skipIf(!hasJinja2)('renders a configured drive as JSON with its own model, serial and media', () => {
    const drive = render({
      Id: 'sdb',
      Name: 'sdb',
      CapacityBytes: 67_108_864,
      Protocol: 'SATA',
      Model: 'ST4000NM002A-2HZ101',
      SerialNumber: 'WJG0101B3',
      MediaType: 'HDD',
      RotationSpeedRPM: 7200,
    });
    expect(drive).toMatchObject({
      Id: 'sdb',
      CapacityBytes: 67_108_864,
      Protocol: 'SATA',
      Model: 'ST4000NM002A-2HZ101',
      SerialNumber: 'WJG0101B3',
      MediaType: 'HDD',
      Manufacturer: 'Contoso',
      RotationSpeedRPM: 7200,
      '@odata.id': '/redfish/v1/Systems/sys-1/Storage/SATA/Drives/sdb',
    });
  });

  it.skipIf(!hasJinja2)("falls back to sushy's constants and leaves out the RPM of a drive with none", () => {
    const ssd = render({ Id: 'nvme0n1', Name: 'nvme0n1', CapacityBytes: 1, Protocol: 'NVMe', RotationSpeedRPM: null });
    expect(ssd).toMatchObject({ Model: 'C123', SerialNumber: '1234570', MediaType: 'HDD', Manufacturer: 'Contoso' });
    expect(ssd).not.toHaveProperty('RotationSpeedRPM');
    const bare = render({ Id: 'd', Name: 'd', CapacityBytes: 1, Protocol: 'SAS' });
    expect(bare.RotationSpeedRPM).toBe(15000);
  });
});
