/**
 * The agent's registry of per-machine boot plans: what the boot server tells each MAC to boot.
 * A job registers a plan before it powers a machine on and removes it when it is done; the HTTP
 * boot server reads it for every request. The daemon persists it (boot-plan-store.ts): a job
 * that registered a plan may have completed just before the agent restarted, and the machine
 * powered on by the next job must still be told what to boot.
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

/** Everything a registry holds, as plain data (what the store saves and restores). */
export interface BootPlanSnapshot {
  plans: { mac: string; plan: BootPlan; at: string }[];
  defaultPlan?: { plan: BootPlan & { kind: 'utility' }; at: string };
}

/** Registry of boot plans keyed by normalised MAC; `onChange` hears of every change. */
export class BootPlanRegistry {
  private readonly byMac = new Map<string, RegisteredBootPlan>();
  private readonly byToken = new Map<string, string>();
  private readonly registeredAt = new Map<string, Date>();
  private fallback: (BootPlan & { kind: 'utility' }) | undefined;
  private fallbackAt: Date | undefined;
  private listener: (() => Promise<void> | void) | undefined;
  private saving: Promise<void> | void = undefined;

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Calls `listener` after every change (one listener: the store, which returns when it has saved). */
  onChange(listener: () => Promise<void> | void): void {
    this.listener = listener;
  }

  /** Resolves once every change so far is saved (at once without a store). */
  async whenSaved(): Promise<void> {
    await this.saving;
  }

  private changed(): void {
    this.saving = this.listener?.();
  }

  /** The registry as plain data. */
  snapshot(): BootPlanSnapshot {
    return {
      plans: [...this.byMac.values()].map(({ mac, ...plan }) => ({
        mac,
        plan,
        at: (this.registeredAt.get(mac) ?? this.now()).toISOString(),
      })),
      ...(this.fallback
        ? { defaultPlan: { plan: this.fallback, at: (this.fallbackAt ?? this.now()).toISOString() } }
        : {}),
    };
  }

  /**
   * Loads a snapshot into an empty registry, skipping entries older than `maxAgeMs` (their jobs
   * are long gone) and any that no longer validate. Returns how many plans were restored.
   */
  restore(snapshot: BootPlanSnapshot, maxAgeMs: number): number {
    const fresh = (at: string) => this.now().getTime() - Date.parse(at) <= maxAgeMs;
    let restored = 0;
    for (const entry of snapshot.plans) {
      if (!fresh(entry.at)) continue;
      try {
        this.register(entry.mac, entry.plan, { at: new Date(entry.at), quiet: true });
        restored += 1;
      } catch {
        // A plan this version no longer accepts is dropped, not served.
      }
    }
    const fallback = snapshot.defaultPlan;
    if (fallback && fresh(fallback.at)) {
      try {
        this.setDefaultPlan(fallback.plan, { at: new Date(fallback.at), quiet: true });
      } catch {
        // As above.
      }
    }
    return restored;
  }

  /**
   * Sets the plan served to every MAC that has no plan of its own: "unknown MAC → utility", for the
   * discovery of a machine whose MACs are not known yet. Only a utility plan can be the default (a
   * Talos config must never go to an unknown machine). Replaces any earlier default.
   */
  setDefaultPlan(
    plan: { kind: 'utility'; jobId: string; assetId: string },
    options: { at?: Date; quiet?: boolean } = {},
  ): void {
    this.fallback = bootPlanSchema.parse(plan) as BootPlan & { kind: 'utility' };
    this.fallbackAt = options.at ?? this.now();
    if (!options.quiet) this.changed();
  }

  /**
   * Clears the default plan. With `assetId`, only if it was set for that asset, so a late job
   * never clears the default another discovery set. Returns whether it was cleared.
   */
  clearDefaultPlan(options: { assetId?: string } = {}): boolean {
    if (this.fallback === undefined) return false;
    if (options.assetId !== undefined && this.fallback.assetId !== options.assetId) return false;
    this.fallback = undefined;
    this.fallbackAt = undefined;
    this.changed();
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
  register(macInput: string, planInput: unknown, options: { at?: Date; quiet?: boolean } = {}): RegisteredBootPlan {
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
    this.registeredAt.set(mac, options.at ?? this.now());
    if (token !== undefined) this.byToken.set(token, mac);
    if (!options.quiet) this.changed();
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
    this.registeredAt.delete(mac);
    this.changed();
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
