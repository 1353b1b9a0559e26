/**
 * The agent's registry of per-machine boot plans: what the boot server tells each MAC to boot.
 * A job registers a plan before it powers a machine on and removes it when it is done; the HTTP
 * boot server reads it for every request. In memory on purpose: a restarted agent's jobs are
 * retried by Temporal, and the retry registers the plan again.
 */
import { z } from 'zod';
import { ConflictError, ValidationError } from '../../shared/errors.js';
import {
  CONFIG_TOKEN_PATTERN,
  HOSTNAME_PATTERN,
  INTERFACE_PATTERN,
  TALOS_VERSION_PATTERN,
  isIPv4,
  normaliseMac,
} from './boot-validation.js';

const ipv4 = z.string().refine(isIPv4, 'must be an IPv4 address');
const id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/** Static network settings handed to Talos on the kernel command line (`ip=`). */
export const staticIpSchema = z.strictObject({
  ip: ipv4,
  prefix: z.number().int().min(1).max(32),
  gateway: ipv4,
  interface: z.string().regex(INTERFACE_PATTERN).optional(),
  dns: z.array(ipv4).max(2).optional(),
});

/** The Talos part of a plan: the release to boot and where its machine config lives. */
export const talosBootSchema = z.strictObject({
  version: z.string().regex(TALOS_VERSION_PATTERN, 'must be a Talos release tag like v1.9.5'),
  configUrlToken: z.string().regex(CONFIG_TOKEN_PATTERN, 'must be 22-128 URL-safe characters'),
  hostname: z.string().regex(HOSTNAME_PATTERN).optional(),
  staticIp: staticIpSchema.optional(),
});

/** A boot plan as a job registers it. */
export const bootPlanSchema = z
  .strictObject({
    /** `utility`: the discovery/wipe image; `talos`: install Talos; `local-disk`: boot the installed OS. */
    kind: z.enum(['utility', 'talos', 'local-disk']),
    jobId: id,
    assetId: id,
    talos: talosBootSchema.optional(),
  })
  .refine((plan) => (plan.kind === 'talos') === (plan.talos !== undefined), {
    message: 'talos settings are required for, and only for, kind "talos"',
    path: ['talos'],
  });

export type BootPlan = z.infer<typeof bootPlanSchema>;
export type TalosBoot = z.infer<typeof talosBootSchema>;
export type StaticIp = z.infer<typeof staticIpSchema>;

/** A registered plan with the normalised MAC it belongs to. */
export type RegisteredBootPlan = BootPlan & { readonly mac: string };

/** In-memory registry of boot plans keyed by normalised MAC. */
export class BootPlanRegistry {
  private readonly byMac = new Map<string, RegisteredBootPlan>();
  private readonly byToken = new Map<string, string>();
  private fallback: (BootPlan & { kind: 'utility' }) | undefined;

  /**
   * Sets the plan served to every MAC that has no plan of its own: "unknown MAC → utility", for the
   * discovery of a machine whose MACs are not known yet. Only a utility plan can be the default (a
   * Talos config must never go to an unknown machine). Replaces any earlier default.
   */
  setDefaultPlan(plan: { kind: 'utility'; jobId: string; assetId: string }): void {
    this.fallback = bootPlanSchema.parse(plan) as BootPlan & { kind: 'utility' };
  }

  /**
   * Clears the default plan. With `assetId`, only if it was set for that asset, so a late job
   * never clears the default another discovery set. Returns whether it was cleared.
   */
  clearDefaultPlan(options: { assetId?: string } = {}): boolean {
    if (this.fallback === undefined) return false;
    if (options.assetId !== undefined && this.fallback.assetId !== options.assetId) return false;
    this.fallback = undefined;
    return true;
  }

  /** The default plan, if one is set. */
  get defaultPlan(): BootPlan | undefined {
    return this.fallback;
  }

  /**
   * Registers (or replaces) the plan of a MAC and returns it normalised.
   * Thrown when the plan is invalid: `ValidationError`; when its config token already belongs to
   * another MAC: `ConflictError`.
   */
  register(macInput: string, planInput: unknown): RegisteredBootPlan {
    const mac = normaliseMac(macInput);
    const parsed = bootPlanSchema.safeParse(planInput);
    if (!parsed.success) {
      throw new ValidationError('Invalid boot plan', z.treeifyError(parsed.error));
    }
    const token = parsed.data.talos?.configUrlToken;
    const owner = token === undefined ? undefined : this.byToken.get(token);
    if (owner !== undefined && owner !== mac) {
      throw new ConflictError('Config URL token already belongs to another machine', { mac });
    }
    this.dropTokenOf(mac);
    const plan: RegisteredBootPlan = Object.freeze({ ...parsed.data, mac });
    this.byMac.set(mac, plan);
    if (token !== undefined) this.byToken.set(token, mac);
    return plan;
  }

  /**
   * Removes the plan of a MAC. With `jobId`, removes it only if that job registered it, so a stale
   * job finishing late never removes the plan of the job that replaced it. Returns whether a plan
   * was removed.
   */
  remove(macInput: string, options: { jobId?: string } = {}): boolean {
    const mac = normaliseMac(macInput);
    const plan = this.byMac.get(mac);
    if (plan === undefined) return false;
    if (options.jobId !== undefined && plan.jobId !== options.jobId) return false;
    this.dropTokenOf(mac);
    this.byMac.delete(mac);
    return true;
  }

  /**
   * Returns the plan of a MAC, else the default plan (as that MAC's), or `undefined` (also for a
   * string that is not a MAC).
   */
  get(macInput: string): RegisteredBootPlan | undefined {
    let mac: string;
    try {
      mac = normaliseMac(macInput);
    } catch {
      return undefined;
    }
    const own = this.byMac.get(mac);
    if (own !== undefined || this.fallback === undefined) return own;
    return Object.freeze({ ...this.fallback, mac });
  }

  /** Returns the plan whose Talos config URL carries `token`, or `undefined`. */
  getByConfigToken(token: string): RegisteredBootPlan | undefined {
    const mac = this.byToken.get(token);
    return mac === undefined ? undefined : this.byMac.get(mac);
  }

  /** Number of registered plans. */
  get size(): number {
    return this.byMac.size;
  }

  private dropTokenOf(mac: string): void {
    const token = this.byMac.get(mac)?.talos?.configUrlToken;
    if (token !== undefined) this.byToken.delete(token);
  }
}
