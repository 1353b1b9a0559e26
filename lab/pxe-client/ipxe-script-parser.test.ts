import { describe, expect, it } from 'vitest';
import { IpxeScriptError, parseIpxeScript } from './ipxe-script-parser.js';

const MAC = { 'net0/mac': '52:54:00:ab:cd:ef' };

describe('simulated iPXE script parser', () => {
  it('expands ${net0/mac} and drops leading --options of chain', () => {
    expect(parseIpxeScript('#!ipxe\nchain --autofree http://127.0.0.1:1/ipxe?mac=${net0/mac}\n', MAC)).toEqual([
      { cmd: 'chain', url: 'http://127.0.0.1:1/ipxe?mac=52:54:00:ab:cd:ef' },
    ]);
  });

  it('reads kernel args, initrd, boot, and skips comments and blank lines', () => {
    const text = '#!ipxe\n# talos\n\nkernel http://h/k a=1  b\ninitrd http://h/i\nboot\n';
    expect(parseIpxeScript(text, MAC)).toEqual([
      { cmd: 'kernel', url: 'http://h/k', args: ['a=1', 'b'] },
      { cmd: 'initrd', url: 'http://h/i' },
      { cmd: 'boot' },
    ]);
  });

  it.each([
    ['a script without the magic line', 'kernel http://h/k\n'],
    ['an unknown setting', '#!ipxe\nchain http://h/${net1/mac}\n'],
    ['an unsupported command', '#!ipxe\nshell\n'],
    ['a kernel without URL', '#!ipxe\nkernel\n'],
  ])('refuses %s', (_name, text) => {
    expect(() => parseIpxeScript(text, MAC)).toThrow(IpxeScriptError);
  });
});
