/**
 * {@link BmcDriver} over Redfish (DMTF DSP0266): power through `ComputerSystem.Reset`, boot override
 * through a PATCH of `Boot`, inventory from the system's linked resources, virtual media through
 * `VirtualMedia.InsertMedia`. Quirks of real BMCs handled here are named where they are handled.
 */
import type { RedfishSettings } from '../../../shared/bmc-endpoint.js';
import { waitForPowerState } from '../power-wait.js';
import type { BmcHardware } from '../../../shared/inventory.js';
import type {
  BmcDriver,
  BmcInfo,
  BootDevice,
  BootFlags,
  BootOptions,
  ChassisStatus,
  PowerState,
  VirtualMedia,
} from '../bmc-driver.js';
import { BmcCommandFailedError, BmcUnsupportedError, isBmcError } from '../bmc-errors.js';
import type { RetryPolicy } from '../retry.js';
import { NO_RETRY, RedfishClient, type RedfishClientOptions, type RedfishEndpoint } from './redfish-client.js';
import {
  BOOT_TARGETS,
  chooseResetType,
  link,
  memberLinks,
  readBmcInfo,
  readBootFlags,
  readChassisStatus,
  readHardware,
  readPowerState,
  resetTarget,
  supportsBootMode,
  type Resource,
} from './redfish-resources.js';

/** Options of {@link RedfishBmcDriver}. */
export interface RedfishDriverOptions extends RedfishClientOptions {
  /**
   * After power on/off, poll until the system reports the new state: Redfish BMCs accept a Reset
   * at once and apply it seconds later (sushy-tools' fake: 1–11 s; iDRAC: 5–20 s). A second Reset
   * sent before the first applied is lost on some BMCs. Default `{ timeoutMs: 60_000, intervalMs: 1_000 }`.
   */
  powerPoll?: { timeoutMs: number; intervalMs: number } | false;
}

/** Most drives and interfaces read per system: a storage shelf behind a BMC must not stall a job. */
const MAX_MEMBERS = 64;

/** A Redfish BMC driving one ComputerSystem. */
export class RedfishBmcDriver implements BmcDriver {
  readonly protocol = 'redfish';
  readonly virtualMedia: VirtualMedia = {
    insert: (imageUrl) => this.insertVirtualMedia(imageUrl),
    eject: () => this.ejectVirtualMedia(),
    bootOnce: (options) => this.bootOnceFromVirtualMedia(options),
  };
  private readonly client: RedfishClient;
  private readonly lifetime = new AbortController();
  private readonly systemId: string | undefined;
  private systemPathValue: Promise<string> | undefined;

  constructor(
    endpoint: RedfishEndpoint & Pick<RedfishSettings, 'systemId'>,
    private readonly options: RedfishDriverOptions = {},
  ) {
    this.client = new RedfishClient(endpoint, options);
    this.systemId = endpoint.systemId;
  }

  /** `host:port` of the BMC. */
  get bmc(): string {
    return this.client.key;
  }

  async powerState(): Promise<PowerState> {
    return this.parse('powerState', readPowerState, await this.system('powerState'));
  }

  async powerOn(): Promise<void> {
    const system = await this.system('powerOn');
    // iDRAC answers 409 to "On" for a server that is on: read first, and a server on stays on.
    if (this.parse('powerOn', readPowerState, system) === 'on') return;
    await this.reset('powerOn', system, ['On', 'ForceOn']);
    await this.waitForPower('on');
  }

  async powerOff(): Promise<void> {
    const system = await this.system('powerOff');
    if (this.parse('powerOff', readPowerState, system) === 'off') return;
    await this.reset('powerOff', system, ['ForceOff']);
    await this.waitForPower('off');
  }

  async powerCycle(): Promise<void> {
    const system = await this.system('powerCycle');
    if (this.parse('powerCycle', readPowerState, system) === 'off') return this.powerOn();
    await this.reset('powerCycle', system, ['ForceRestart', 'PowerCycle', 'GracefulRestart']);
    // Some BMCs report Off between the two halves of a restart (sushy-tools does, for seconds): a
    // power-off sent in that window reads "already off" and the pending power-on then wins.
    await this.waitForPower('on');
  }

  async powerSoft(): Promise<void> {
    const system = await this.system('powerSoft');
    if (this.parse('powerSoft', readPowerState, system) === 'off') return;
    await this.reset('powerSoft', system, ['GracefulShutdown']);
  }

  async setBootDevice(device: BootDevice, options: BootOptions): Promise<void> {
    await this.overrideBoot('setBootDevice', BOOT_TARGETS[device], options);
  }

  async bootFlags(): Promise<BootFlags> {
    return readBootFlags(await this.system('bootFlags'));
  }

  async chassisStatus(): Promise<ChassisStatus> {
    const system = await this.system('chassisStatus');
    const chassisPath = firstLink((system.Links as Resource | undefined)?.Chassis);
    const chassis = chassisPath ? await this.optional('chassisStatus', chassisPath) : undefined;
    return this.parse('chassisStatus', (s) => readChassisStatus(s, chassis), system);
  }

  async bmcInfo(): Promise<BmcInfo> {
    const root = await this.resource('bmcInfo', '/redfish/v1/');
    const manager = await this.manager('bmcInfo');
    return readBmcInfo(manager ?? {}, root);
  }

  async hardware(): Promise<BmcHardware> {
    const operation = 'hardware';
    const system = await this.system(operation);
    const [manager, processors, drives, interfaces] = await Promise.all([
      this.manager(operation),
      this.members(operation, link(system, 'Processors')),
      this.drives(operation, system),
      this.members(operation, link(system, 'EthernetInterfaces')),
    ]);
    return readHardware({ system, manager, processors, drives, interfaces });
  }

  async checkCredentials(): Promise<void> {
    // The service root answers anyone; the system resource needs the credentials.
    await this.system('checkCredentials');
  }

  /**
   * Inserts an ISO into the BMC's virtual CD (ejecting what was there) for the machine to boot from
   * with {@link bootOnceFromVirtualMedia}. The BMC downloads `imageUrl` itself: it must reach it.
   */
  async insertVirtualMedia(imageUrl: string): Promise<void> {
    const operation = 'insertVirtualMedia';
    const media = await this.virtualCd(operation);
    if (media.resource.Inserted === true) await this.ejectAt(operation, media.path, media.resource);
    const action = (media.resource.Actions as Resource | undefined)?.['#VirtualMedia.InsertMedia'] as
      Resource | undefined;
    const target =
      typeof action?.target === 'string' ? action.target : `${media.path}/Actions/VirtualMedia.InsertMedia`;
    await this.client.request('POST', target, operation, {
      body: { Image: imageUrl, Inserted: true, WriteProtected: true },
      signal: this.lifetime.signal,
    });
  }

  /** Ejects the virtual CD; nothing inserted is fine. */
  async ejectVirtualMedia(): Promise<void> {
    const operation = 'ejectVirtualMedia';
    const media = await this.virtualCd(operation);
    if (media.resource.Inserted === true) await this.ejectAt(operation, media.path, media.resource);
  }

  /** Next boot from the virtual CD. */
  async bootOnceFromVirtualMedia(options: Pick<BootOptions, 'efi'>): Promise<void> {
    await this.overrideBoot('bootOnceFromVirtualMedia', 'Cd', { once: true, efi: options.efi });
  }

  async close(): Promise<void> {
    this.lifetime.abort(
      new BmcCommandFailedError('BMC driver closed', { retryable: false, details: { bmc: this.bmc } }),
    );
    await this.client.close();
  }

  /**
   * PATCHes the boot override. Sends the system's ETag as If-Match (HPE iLO 5 requires it), and
   * `BootSourceOverrideMode` only where the system has it; a BMC that refuses the mode with 400
   * (some Supermicro X11 firmware cannot change it while the host is on) gets the override without it.
   */
  private async overrideBoot(operation: string, target: string, options: BootOptions): Promise<void> {
    const system = await this.system(operation);
    const path = await this.systemPath(operation);
    const boot: Record<string, string> = {
      BootSourceOverrideTarget: target,
      BootSourceOverrideEnabled: options.once ? 'Once' : 'Continuous',
    };
    const withMode = supportsBootMode(system);
    if (withMode) boot.BootSourceOverrideMode = options.efi ? 'UEFI' : 'Legacy';
    const etag = typeof system['@odata.etag'] === 'string' ? system['@odata.etag'] : undefined;
    const patch = (body: Record<string, string>) =>
      this.client.request('PATCH', path, operation, {
        body: { Boot: body },
        headers: etag ? { 'If-Match': etag } : {},
        signal: this.lifetime.signal,
      });
    try {
      await patch(boot);
    } catch (err) {
      if (!(withMode && isBmcError(err) && /HTTP 400/.test(err.message))) throw err;
      this.options.logger?.warn(
        { bmc: this.bmc, operation, err: err.message },
        'BMC refused BootSourceOverrideMode; retrying without it',
      );
      const { BootSourceOverrideMode: _mode, ...withoutMode } = boot;
      await patch(withoutMode);
    }
  }

  private async reset(operation: string, system: Resource, preferences: readonly string[]): Promise<void> {
    const path = await this.systemPath(operation);
    const resetType = this.parse(operation, (s) => chooseResetType(s, preferences), system);
    await this.client.request('POST', resetTarget(system, path), operation, {
      body: { ResetType: resetType },
      signal: this.lifetime.signal,
    });
  }

  private waitForPower(target: PowerState): Promise<void> {
    return waitForPowerState({
      read: () => this.powerState(),
      target,
      poll: this.options.powerPoll ?? { timeoutMs: 60_000, intervalMs: 1_000 },
      bmc: this.bmc,
      signal: this.lifetime.signal,
    });
  }

  /** Path of the ComputerSystem: the configured id, else the BMC's only system. */
  private systemPath(operation: string): Promise<string> {
    this.systemPathValue ??= this.findSystem(operation);
    this.systemPathValue.catch(() => (this.systemPathValue = undefined));
    return this.systemPathValue;
  }

  private async findSystem(operation: string): Promise<string> {
    const systems = memberLinks(await this.resource(operation, '/redfish/v1/Systems'));
    if (this.systemId !== undefined) {
      const wanted = systems.find((p) => p.replace(/\/$/, '').endsWith(`/${this.systemId}`));
      if (wanted === undefined) {
        throw new BmcCommandFailedError(
          `BMC ${this.bmc} has no system ${this.systemId} (it has ${systems.join(', ') || 'none'})`,
          { retryable: false, details: { bmc: this.bmc, operation } },
        );
      }
      return wanted;
    }
    if (systems.length === 1) return systems[0] as string;
    throw new BmcCommandFailedError(
      systems.length === 0
        ? `BMC ${this.bmc} lists no ComputerSystem`
        : `BMC ${this.bmc} manages ${systems.length} systems (${systems.join(', ')}): enrol the asset with bmc.redfish.systemId`,
      { retryable: false, details: { bmc: this.bmc, operation } },
    );
  }

  private async system(operation: string): Promise<Resource> {
    return this.resource(operation, await this.systemPath(operation));
  }

  private async resource(operation: string, path: string, retry?: RetryPolicy): Promise<Resource> {
    if (this.lifetime.signal.aborted) throw this.lifetime.signal.reason;
    const { body } = await this.client.get(path, operation, this.lifetime.signal, retry);
    if (body === null || typeof body !== 'object') {
      throw new BmcCommandFailedError(`BMC ${this.bmc} answered ${path} with no JSON resource`, {
        retryable: false,
        details: { bmc: this.bmc, operation },
      });
    }
    return body as Resource;
  }

  /**
   * A resource some BMCs lack or fail to render (sushy-tools answers 500 for a system without
   * storage; iDRAC 500s on a drive bay being rebuilt): one attempt, and any answered failure but a
   * refusal of the credentials reads as "not reported". A BMC that stops answering still throws.
   */
  private async optional(operation: string, path: string): Promise<Resource | undefined> {
    try {
      return await this.resource(operation, path, NO_RETRY);
    } catch (err) {
      if (!isBmcError(err) || err.type === 'BmcAuthFailed' || err.type === 'BmcUnreachable') throw err;
      if (err.type === 'BmcCertificateRejected' || this.lifetime.signal.aborted) throw err;
      this.options.logger?.debug({ bmc: this.bmc, operation, path, err: err.message }, 'Redfish resource not reported');
      return undefined;
    }
  }

  private async members(operation: string, collectionPath: string | undefined): Promise<Resource[]> {
    if (collectionPath === undefined) return [];
    const collection = await this.optional(operation, collectionPath);
    const paths = memberLinks(collection).slice(0, MAX_MEMBERS);
    const found = await Promise.all(paths.map((p) => this.optional(operation, p)));
    return found.filter((r): r is Resource => r !== undefined);
  }

  /** Drives of every Storage subsystem (`Storage/<id>.Drives[]`). */
  private async drives(operation: string, system: Resource): Promise<Resource[]> {
    const storages = await this.members(operation, link(system, 'Storage'));
    const paths = storages.flatMap((s) => (Array.isArray(s.Drives) ? s.Drives : []).map((d) => firstLink([d])));
    const drives = await Promise.all(
      paths
        .filter((p): p is string => p !== undefined)
        .slice(0, MAX_MEMBERS)
        .map((p) => this.optional(operation, p)),
    );
    return drives.filter((r): r is Resource => r !== undefined);
  }

  private async manager(operation: string): Promise<Resource | undefined> {
    const system = await this.system(operation);
    const managed = firstLink((system.Links as Resource | undefined)?.ManagedBy);
    if (managed !== undefined) return this.optional(operation, managed);
    const [first] = memberLinks(await this.optional(operation, '/redfish/v1/Managers'));
    return first === undefined ? undefined : this.optional(operation, first);
  }

  /** The virtual CD: under the system (Redfish 1.11+) or its manager (older BMCs, sushy-tools). */
  private async virtualCd(operation: string): Promise<{ path: string; resource: Resource }> {
    const system = await this.system(operation);
    const manager = await this.manager(operation);
    const collections = [link(system, 'VirtualMedia'), manager ? link(manager, 'VirtualMedia') : undefined];
    for (const collection of collections) {
      if (collection === undefined) continue;
      const paths = memberLinks(await this.optional(operation, collection));
      for (const path of paths) {
        const resource = await this.optional(operation, path);
        const types = Array.isArray(resource?.MediaTypes) ? (resource.MediaTypes as unknown[]) : [];
        if (resource && types.some((t) => t === 'CD' || t === 'DVD')) return { path, resource };
      }
    }
    throw new BmcUnsupportedError(`BMC ${this.bmc} has no virtual CD/DVD`, { bmc: this.bmc, operation });
  }

  private async ejectAt(operation: string, path: string, resource: Resource): Promise<void> {
    const action = (resource.Actions as Resource | undefined)?.['#VirtualMedia.EjectMedia'] as Resource | undefined;
    const target = typeof action?.target === 'string' ? action.target : `${path}/Actions/VirtualMedia.EjectMedia`;
    await this.client.request('POST', target, operation, { body: {}, signal: this.lifetime.signal });
  }

  /** Runs a reader; a resource it cannot read is the BMC's fault and not retryable. */
  private parse<T>(operation: string, read: (system: Resource) => T, system: Resource): T {
    try {
      return read(system);
    } catch (err) {
      throw new BmcCommandFailedError(`BMC ${this.bmc}: ${(err as Error).message}`, {
        retryable: false,
        details: { bmc: this.bmc, operation },
        cause: err,
      });
    }
  }
}

function firstLink(links: unknown): string | undefined {
  if (!Array.isArray(links)) return undefined;
  const first = links[0] as Record<string, unknown> | undefined;
  return typeof first?.['@odata.id'] === 'string' ? first['@odata.id'] : undefined;
}
