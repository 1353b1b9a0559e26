import { UsageError } from '../exit-codes.js';
import { defined } from './options.js';

/** The flags of `assets provision`. */
export interface ProvisionFlags {
  ip?: string;
  subnet?: string;
  gateway?: string;
  hostname?: string;
  name?: string;
  installDisk?: string;
  talosVersion?: string;
  kubernetesVersion?: string;
}

/** `/dev/nvme0n1`, `wwn:<wwn>` or `serial:<serial>` as the API's install-disk field. */
export function installDisk(text: string): string | { wwn: string } | { serial: string } {
  if (text.startsWith('/dev/')) return text;
  const [kind, ...rest] = text.split(':');
  const value = rest.join(':');
  if (kind === 'wwn' && value) return { wwn: value };
  if (kind === 'serial' && value) return { serial: value };
  throw new UsageError(`--install-disk takes /dev/…, wwn:<wwn> or serial:<serial>, not ${text}`);
}

/**
 * The body of `POST /api/v1/assets/{id}/provision`: the file's fields (if any), then the flags
 * over them. The API checks the result (a missing network is its 400, named field by field).
 */
export function provisionBody(fromFile: Record<string, unknown>, flags: ProvisionFlags): Record<string, unknown> {
  const network = {
    ...(fromFile.network as Record<string, unknown> | undefined),
    ...defined({ ip: flags.ip, subnet: flags.subnet, gateway: flags.gateway }),
  };
  return {
    os: 'talos',
    ...fromFile,
    ...(Object.keys(network).length > 0 ? { network } : {}),
    ...defined({
      hostname: flags.hostname,
      name: flags.name,
      installDisk: flags.installDisk !== undefined ? installDisk(flags.installDisk) : undefined,
      version: flags.talosVersion,
      kubernetesVersion: flags.kubernetesVersion,
    }),
  };
}
