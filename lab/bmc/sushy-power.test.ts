import { describe, expect, it } from 'vitest';
import {
  bootDeviceOf,
  type FakeSystemNotification,
  fakeSystemNotificationSchema,
  PowerTracker,
} from './sushy-power.js';

const UUID = '27946b59-9e44-4fa7-8e91-f3527a1ef094';

/** A notification of the fake driver, as it PUTs the whole system (power Off unless overridden). */
function notification(fields: Partial<FakeSystemNotification> = {}): FakeSystemNotification {
  return { uuid: UUID, name: 'lab-01', power_state: 'Off', ...fields };
}

describe('PowerTracker', () => {
  it('starts powered off, booting from disk in UEFI mode, with no boots and nothing pending', () => {
    expect(new PowerTracker().state()).toEqual({
      power: 'off',
      bootDevice: 'disk',
      uefi: true,
      pendingPower: null,
      boots: 0,
      lastBootDevice: null,
      lastBootUefi: null,
    });
  });

  it('emits a power-on event when the system goes On after Off, and counts it as a boot', () => {
    const tracker = new PowerTracker();
    const event = tracker.push(notification({ power_state: 'On', boot_device: 'Pxe', boot_mode: 'UEFI' }));
    expect(event).toEqual({ type: 'power', on: true, bootDevice: 'pxe', uefi: true });
    expect(tracker.state()).toMatchObject({
      power: 'on',
      bootDevice: 'pxe',
      uefi: true,
      boots: 1,
      lastBootDevice: 'pxe',
      lastBootUefi: true,
    });
  });

  it('records a legacy-BIOS power-on as booted without UEFI', () => {
    const tracker = new PowerTracker();
    expect(tracker.push(notification({ power_state: 'On', boot_device: 'Cd', boot_mode: 'Legacy' }))).toEqual({
      type: 'power',
      on: true,
      bootDevice: 'cd',
      uefi: false,
    });
    expect(tracker.state()).toMatchObject({ boots: 1, lastBootDevice: 'cd', lastBootUefi: false });
  });

  it('emits nothing when a notification repeats the applied power state', () => {
    const tracker = new PowerTracker();
    expect(tracker.push(notification({ power_state: 'Off' }))).toBeUndefined();
    tracker.push(notification({ power_state: 'On' }));
    expect(tracker.push(notification({ power_state: 'On' }))).toBeUndefined();
    expect(tracker.push(notification({ power_state: 'On', boot_device: 'Pxe' }))).toBeUndefined();
    expect(tracker.state().boots).toBe(1);
  });

  it("takes an absent boot_device and boot_mode as the fake driver's defaults, Hdd and UEFI", () => {
    const tracker = new PowerTracker();
    expect(tracker.push(notification({ power_state: 'On' }))).toEqual({
      type: 'power',
      on: true,
      bootDevice: 'disk',
      uefi: true,
    });
    expect(tracker.state()).toMatchObject({ lastBootDevice: 'disk', lastBootUefi: true });
  });

  it('follows a boot device change while powered on without emitting, and boots from it next time', () => {
    const tracker = new PowerTracker();
    tracker.push(notification({ power_state: 'On' }));
    expect(tracker.push(notification({ power_state: 'On', boot_device: 'Pxe' }))).toBeUndefined();
    expect(tracker.state()).toMatchObject({ bootDevice: 'pxe', lastBootDevice: 'disk' });
    tracker.push(notification({ power_state: 'Off', boot_device: 'Pxe' }));
    tracker.push(notification({ power_state: 'On', boot_device: 'Pxe' }));
    expect(tracker.state()).toMatchObject({ boots: 2, lastBootDevice: 'pxe' });
  });

  it('emits a power-off event that does not count as a boot and keeps what the last boot used', () => {
    const tracker = new PowerTracker();
    tracker.push(notification({ power_state: 'On', boot_device: 'Pxe' }));
    const event = tracker.push(notification({ power_state: 'Off', boot_device: 'Hdd' }));
    expect(event).toEqual({ type: 'power', on: false, bootDevice: 'disk', uefi: true });
    expect(tracker.state()).toMatchObject({ power: 'off', boots: 1, lastBootDevice: 'pxe', lastBootUefi: true });
  });

  it('counts every off-to-on transition as one more boot', () => {
    const tracker = new PowerTracker();
    const events = ['On', 'Off', 'On', 'On', 'Off', 'On'].map((power_state) =>
      tracker.push(notification({ power_state })),
    );
    expect(events.map((e) => e?.on)).toEqual([true, false, true, undefined, false, true]);
    expect(tracker.state().boots).toBe(3);
  });

  it('exposes a held-back power-on with its apply time in epoch milliseconds', () => {
    const tracker = new PowerTracker();
    const event = tracker.push(notification({ pending_power: { power_state: 'On', apply_time: 1_720_787_353 } }));
    expect(event).toBeUndefined();
    expect(tracker.state().pendingPower).toEqual({ power: 'on', applyAt: 1_720_787_353_000 });
    expect(tracker.state().power).toBe('off');
  });

  it('exposes a held-back power-off as off', () => {
    const tracker = new PowerTracker();
    tracker.push(notification({ power_state: 'On' }));
    tracker.push(notification({ power_state: 'On', pending_power: { power_state: 'Off', apply_time: 1_720_787_360 } }));
    expect(tracker.state().pendingPower).toEqual({ power: 'off', applyAt: 1_720_787_360_000 });
  });

  it('takes any pending state other than Off (a restart) as a pending power-on', () => {
    const tracker = new PowerTracker();
    tracker.push(notification({ power_state: 'On' }));
    // A restart drops the system to Off at once and holds back the power-on.
    const event = tracker.push(
      notification({ power_state: 'Off', pending_power: { power_state: 'ForceRestart', apply_time: 100 } }),
    );
    expect(event).toEqual({ type: 'power', on: false, bootDevice: 'disk', uefi: true });
    expect(tracker.state().pendingPower).toEqual({ power: 'on', applyAt: 100_000 });
  });

  it('clears the pending power when a notification carries null or no pending_power', () => {
    const tracker = new PowerTracker();
    tracker.push(notification({ pending_power: { power_state: 'On', apply_time: 100 } }));
    expect(tracker.push(notification({ power_state: 'On', pending_power: null }))?.on).toBe(true);
    expect(tracker.state().pendingPower).toBeNull();

    tracker.push(notification({ power_state: 'On', pending_power: { power_state: 'Off', apply_time: 200 } }));
    expect(tracker.state().pendingPower).not.toBeNull();
    tracker.push(notification({ power_state: 'Off' }));
    expect(tracker.state().pendingPower).toBeNull();
  });

  it('returns a copy from state(), so mutating it leaves the tracker unchanged', () => {
    const tracker = new PowerTracker();
    tracker.push(notification({ power_state: 'On', pending_power: { power_state: 'Off', apply_time: 5 } }));
    const snapshot = tracker.state();
    snapshot.power = 'off';
    snapshot.boots = 99;
    snapshot.lastBootDevice = 'cd';
    if (snapshot.pendingPower) snapshot.pendingPower.applyAt = 0;
    expect(tracker.state()).toMatchObject({
      power: 'on',
      boots: 1,
      lastBootDevice: 'disk',
      pendingPower: { power: 'off', applyAt: 5_000 },
    });
    // The power change is still judged against the tracker's own state, not the mutated copy.
    expect(tracker.push(notification({ power_state: 'On' }))).toBeUndefined();
  });
});

describe('bootDeviceOf', () => {
  it('maps the Redfish boot override targets to the lab boot devices', () => {
    expect(bootDeviceOf('Pxe')).toBe('pxe');
    expect(bootDeviceOf('Hdd')).toBe('disk');
    expect(bootDeviceOf('Cd')).toBe('cd');
  });

  it('maps every other target, including differently cased ones, to other', () => {
    for (const target of ['UefiHttp', 'BiosSetup', 'Usb', 'None', '', 'pxe', 'HDD']) {
      expect(bootDeviceOf(target)).toBe('other');
    }
  });
});

describe('fakeSystemNotificationSchema', () => {
  it('accepts a notification as sushy sends it, keeping the fields the lab does not read', () => {
    const sent = {
      uuid: UUID,
      name: 'lab-01',
      power_state: 'On',
      external_notifier: true,
      nics: [{ mac: 'b6:96:91:10:00:00' }],
      boot_device: 'Pxe',
      boot_mode: 'UEFI',
      pending_power: { power_state: 'Off', apply_time: 1_720_787_353 },
    };
    const parsed = fakeSystemNotificationSchema.parse(sent);
    expect(parsed).toEqual(sent);
    expect(parsed).toHaveProperty('nics', [{ mac: 'b6:96:91:10:00:00' }]);
  });

  it('accepts a freshly configured system without boot settings and with a null pending_power', () => {
    expect(fakeSystemNotificationSchema.safeParse(notification()).success).toBe(true);
    expect(fakeSystemNotificationSchema.safeParse(notification({ pending_power: null })).success).toBe(true);
  });

  it('rejects a notification without a uuid', () => {
    const { uuid: _uuid, ...withoutUuid } = notification({ power_state: 'On' });
    const result = fakeSystemNotificationSchema.safeParse(withoutUuid);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([['uuid']]);
  });

  it('rejects a pending_power without an apply_time', () => {
    expect(
      fakeSystemNotificationSchema.safeParse({ ...notification(), pending_power: { power_state: 'On' } }).success,
    ).toBe(false);
  });
});
