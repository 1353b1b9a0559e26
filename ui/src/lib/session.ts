/** The signed-in API key, kept for this tab only (sessionStorage: gone when the tab closes). */
const KEY = 'rackpilot.apiKey';

/** Returns the stored key, if any. */
export function storedKey(): string | undefined {
  try {
    return window.sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Keeps `apiKey` for this tab. */
export function storeKey(apiKey: string): void {
  window.sessionStorage.setItem(KEY, apiKey);
}

/** Forgets the key (sign out, or the API refused it). */
export function forgetKey(): void {
  window.sessionStorage.removeItem(KEY);
}
