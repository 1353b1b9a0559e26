import { isAbsolute, join } from 'node:path';

/** File name of the CLI's configuration inside its directory. */
export const CONFIG_FILE_NAME = 'config.json';

/**
 * The configuration file: `$XDG_CONFIG_HOME/rackpilot/config.json` when XDG_CONFIG_HOME is an
 * absolute path (the XDG spec says to ignore a relative one), else `~/.config/rackpilot/config.json`.
 */
export function configFilePath(env: Readonly<Record<string, string | undefined>>, homedir: string): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir, '.config');
  return join(base, 'rackpilot', CONFIG_FILE_NAME);
}
