/**
 * Parses the iPXE scripts the boot server hands out, the way iPXE reads them: a `#!ipxe` magic
 * line, one command a line, `${var}` settings expanded, arguments split on whitespace. Stricter than
 * iPXE on purpose: an unknown command or setting is an error, so a bad script fails a test instead
 * of booting something by accident.
 */

/** One command of the subset Rackpilot's scripts use. */
export type IpxeCommand =
  | { readonly cmd: 'chain'; readonly url: string }
  | { readonly cmd: 'kernel'; readonly url: string; readonly args: readonly string[] }
  | { readonly cmd: 'initrd'; readonly url: string }
  | { readonly cmd: 'boot' }
  | { readonly cmd: 'exit' }
  | { readonly cmd: 'echo'; readonly text: string };

/** Thrown when a script is not one simulated iPXE can run. */
export class IpxeScriptError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'IpxeScriptError';
  }
}

/** Parses a script with the given settings (`{ 'net0/mac': '52:54:00:..' }`). */
export function parseIpxeScript(text: string, settings: Readonly<Record<string, string>>): IpxeCommand[] {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== '#!ipxe') throw new IpxeScriptError('missing #!ipxe magic line');
  const commands: IpxeCommand[] = [];
  lines.slice(1).forEach((raw, index) => {
    const lineNo = index + 2;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const expanded = line.replace(/\$\{([^}]*)\}/g, (_m, name: string) => {
      const value = settings[name];
      if (value === undefined) throw new IpxeScriptError(`unknown setting \${${name}}`, lineNo);
      return value;
    });
    const [cmd = '', ...rest] = expanded.split(/\s+/);
    const args = rest.filter((a, i) => !(a.startsWith('--') && rest.slice(0, i).every((p) => p.startsWith('--'))));
    const needUrl = (): string => {
      const url = args[0];
      if (url === undefined) throw new IpxeScriptError(`${cmd} without a URL`, lineNo);
      return url;
    };
    switch (cmd) {
      case 'chain':
        commands.push({ cmd: 'chain', url: needUrl() });
        break;
      case 'kernel':
        commands.push({ cmd: 'kernel', url: needUrl(), args: args.slice(1) });
        break;
      case 'initrd':
        commands.push({ cmd: 'initrd', url: needUrl() });
        break;
      case 'boot':
      case 'exit':
        commands.push({ cmd });
        break;
      case 'echo':
        commands.push({ cmd: 'echo', text: rest.join(' ') });
        break;
      default:
        throw new IpxeScriptError(`unsupported command "${cmd}"`, lineNo);
    }
  });
  return commands;
}
