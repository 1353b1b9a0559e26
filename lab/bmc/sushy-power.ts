/**
 * What sushy's fake driver tells the lab, turned into power events. The fake driver PUTs the whole
 * system to its notification URL on every change; a power request only records a
 * `pending_power { power_state, apply_time }` (1–11 s ahead), which it applies the next time the
 * system is read after that time. {@link PowerTracker} follows those notifications, says when a
 * read is due, and emits a power event when the applied state changes.
 */
import { z } from 'zod';

/** The boot device a Redfish system holds, in the lab's words. */
export type RedfishBootDevice = 'pxe' | 'disk' | 'cd' | 'other';

/** The applied power of the system changed; `bootDevice`/`uefi` are what a power-on boots with. */
export interface RedfishPowerEvent {
  type: 'power';
  on: boolean;
  bootDevice: RedfishBootDevice;
  uefi: boolean;
}

/** The system JSON the fake driver notifies (the fields the lab reads; defaults are the driver's). */
export const fakeSystemNotificationSchema = z.looseObject({
  uuid: z.string(),
  name: z.string(),
  power_state: z.string(),
  /** Absent until a PATCH set one: the fake driver then reports `Hdd`. */
  boot_device: z.string().optional(),
  /** Absent until a PATCH set one: the fake driver then reports `UEFI`. */
  boot_mode: z.string().optional(),
  pending_power: z.object({ power_state: z.string(), apply_time: z.number() }).nullish(),
});
export type FakeSystemNotification = z.infer<typeof fakeSystemNotificationSchema>;

/** The system as the lab follows it. */
export interface RedfishSystemState {
  power: 'on' | 'off';
  bootDevice: RedfishBootDevice;
  uefi: boolean;
  /** A power change sushy holds back: the state it will apply, and from when (epoch ms). */
  pendingPower: { power: 'on' | 'off'; applyAt: number } | null;
  /** Power-ons seen (each one is a boot). */
  boots: number;
  /** What the last power-on booted from, or null before the first. */
  lastBootDevice: RedfishBootDevice | null;
  lastBootUefi: boolean | null;
}

/** Maps a `BootSourceOverrideTarget` to the lab's boot device. */
export function bootDeviceOf(target: string): RedfishBootDevice {
  if (target === 'Pxe') return 'pxe';
  if (target === 'Hdd') return 'disk';
  if (target === 'Cd') return 'cd';
  return 'other';
}

/** Follows one system's notifications; pure, so the power logic is tested without sushy. */
export class PowerTracker {
  private current: RedfishSystemState = {
    power: 'off',
    bootDevice: 'disk',
    uefi: true,
    pendingPower: null,
    boots: 0,
    lastBootDevice: null,
    lastBootUefi: null,
  };

  /** The state after the last notification. */
  state(): RedfishSystemState {
    return { ...this.current, pendingPower: this.current.pendingPower && { ...this.current.pendingPower } };
  }

  /** Takes one notification; returns the power event it carries, if the applied power changed. */
  push(notification: FakeSystemNotification): RedfishPowerEvent | undefined {
    const power = notification.power_state === 'On' ? 'on' : 'off';
    const bootDevice = bootDeviceOf(notification.boot_device ?? 'Hdd');
    const uefi = (notification.boot_mode ?? 'UEFI') === 'UEFI';
    const pending = notification.pending_power;
    const next: RedfishSystemState = {
      ...this.current,
      power,
      bootDevice,
      uefi,
      pendingPower: pending
        ? {
            // A restart is applied as On (it already went Off when it was requested).
            power: pending.power_state === 'Off' ? 'off' : 'on',
            applyAt: pending.apply_time * 1000,
          }
        : null,
    };
    const changed = power !== this.current.power;
    if (changed && power === 'on') {
      next.boots += 1;
      next.lastBootDevice = bootDevice;
      next.lastBootUefi = uefi;
    }
    this.current = next;
    return changed ? { type: 'power', on: power === 'on', bootDevice, uefi } : undefined;
  }
}
