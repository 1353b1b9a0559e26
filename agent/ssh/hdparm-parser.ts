/**
 * Pure parser of `hdparm -I <dev>`: the ATA Security feature state that decides whether an ATA
 * Secure Erase may be attempted, and the TRIM behaviour that decides whether a discard reads back
 * as zeros.
 */

/** What the drive says about ATA security and TRIM. */
export interface AtaCapabilities {
  securitySupported: boolean;
  /** A user password is set: we cannot erase without it. */
  securityEnabled: boolean;
  locked: boolean;
  /** Frozen by the BIOS until a power cycle: security commands are refused. */
  frozen: boolean;
  enhancedEraseSupported: boolean;
  /** The drive's own estimate for SECURITY ERASE UNIT, null when not given. */
  eraseMinutes: number | null;
  trimSupported: boolean;
  /** "Deterministic read ZEROs after TRIM": a discard then reads back as zeros. */
  zeroesAfterTrim: boolean;
}

/** Returns the drive's ATA capabilities, or null when the output is not an ATA identify (SAS, USB bridge, ...). */
export function parseHdparmIdentify(text: string): AtaCapabilities | null {
  if (!/^ATA device/m.test(text)) return null;
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^Security:/.test(l));
  const section: string[] = [];
  if (start >= 0) {
    for (const line of lines.slice(start + 1)) {
      if (!/^\s/.test(line)) break;
      section.push(line.trim().replace(/\s+/g, ' '));
    }
  }
  const has = (entry: string): boolean => section.includes(entry);
  const minutes = /(\d+)min for SECURITY ERASE UNIT/.exec(section.join('\n'));
  return {
    securitySupported: has('supported'),
    securityEnabled: has('enabled'),
    locked: has('locked'),
    frozen: has('frozen'),
    enhancedEraseSupported: has('supported: enhanced erase'),
    eraseMinutes: minutes?.[1] ? Number(minutes[1]) : null,
    trimSupported: /^\s*\*\s+Data Set Management TRIM supported/m.test(text),
    zeroesAfterTrim: /^\s*\*\s+Deterministic read ZEROs after TRIM/m.test(text),
  };
}

/** True when an ATA Security Erase can be issued now: supported, no password set, not locked, not frozen. */
export function canAtaSecureErase(caps: AtaCapabilities | null): caps is AtaCapabilities {
  return caps !== null && caps.securitySupported && !caps.securityEnabled && !caps.locked && !caps.frozen;
}
