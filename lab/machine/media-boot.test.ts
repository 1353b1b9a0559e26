import { describe, expect, it, vi } from 'vitest';
import { bootFromMedia, MediaBootError, parseGrubConfig } from './media-boot.js';

/** A grub.cfg as the agent writes it into its boot ISO. */
const AGENT_GRUB_CFG = [
  '# Written by the Rackpilot agent: one boot, straight away.',
  'set timeout=0',
  'set default=0',
  "menuentry 'Rackpilot' {",
  '  linux /rackpilot/kernel rackpilot.boot=utility rackpilot.agent=http://127.0.0.1:8080 rackpilot.ssh_key=c3NoLWVkMjU1MTk',
  '  initrd /rackpilot/initrd',
  '}',
  '',
].join('\n');

const entry = (body: string, outside = ''): string => `${outside}menuentry 'x' {\n${body}\n}\n`;

describe('parseGrubConfig (what GRUB reads off a lab boot CD)', () => {
  it('reads the kernel, initrd and kernel args of the one menu entry the agent writes', () => {
    expect(parseGrubConfig(AGENT_GRUB_CFG)).toEqual({
      title: 'Rackpilot',
      kernelPath: '/rackpilot/kernel',
      initrdPaths: ['/rackpilot/initrd'],
      kernelArgs: [
        'rackpilot.boot=utility',
        'rackpilot.agent=http://127.0.0.1:8080',
        'rackpilot.ssh_key=c3NoLWVkMjU1MTk',
      ],
    });
  });

  it('keeps URL queries, ip= colons and repeated spaces of Talos args as GRUB passes them', () => {
    const cfg = entry(
      '\tlinux  /k   talos.platform=metal ip=127.10.0.11::127.10.0.1:255.255.255.0::eth0:off\ttalos.config=http://127.0.0.1:8080/config/t0k?mac=b4:96:91:10:00:00',
    );
    expect(parseGrubConfig(cfg).kernelArgs).toEqual([
      'talos.platform=metal',
      'ip=127.10.0.11::127.10.0.1:255.255.255.0::eth0:off',
      'talos.config=http://127.0.0.1:8080/config/t0k?mac=b4:96:91:10:00:00',
    ]);
  });

  it('takes a double-quoted title, menuentry options, CRLF line ends, insmod and set lines inside and out', () => {
    const cfg = `insmod part_gpt\r\nmenuentry "Rackpilot" --class linux --id rp {\r\n  insmod linux\r\n  set gfxpayload=keep\r\n  linux /k a=1\r\n}\r\n`;
    expect(parseGrubConfig(cfg)).toMatchObject({ title: 'Rackpilot', kernelPath: '/k', kernelArgs: ['a=1'] });
  });

  it('allows an entry without initrd, and several files on the one initrd line', () => {
    expect(parseGrubConfig(entry('linux /k')).initrdPaths).toEqual([]);
    expect(parseGrubConfig(entry('linux /k\ninitrd /a /b')).initrdPaths).toEqual(['/a', '/b']);
  });

  it('refuses a config without a menu entry, or with two', () => {
    expect(() => parseGrubConfig('set timeout=0\n')).toThrow('grub.cfg must hold exactly one menuentry; found 0');
    expect(() => parseGrubConfig(entry('linux /k') + entry('linux /k'))).toThrow(
      'grub.cfg must hold exactly one menuentry; found 2',
    );
  });

  it('refuses an entry without a linux line, with two, or with a linux line naming no kernel', () => {
    expect(() => parseGrubConfig(entry('initrd /i'))).toThrow(
      "menuentry 'x' must have exactly one linux line; found 0",
    );
    expect(() => parseGrubConfig(entry('linux /k\nlinux /k'))).toThrow(/exactly one linux line; found 2/);
    expect(() => parseGrubConfig(entry('linux'))).toThrow('grub.cfg line 2: linux names no kernel');
    expect(() => parseGrubConfig(entry('linux /k\ninitrd'))).toThrow('grub.cfg line 3: initrd names no file');
    expect(() => parseGrubConfig(entry('linux /k\ninitrd /a\ninitrd /b'))).toThrow(/2 initrd lines/);
  });

  it('refuses paths GRUB would resolve against a device or $root', () => {
    expect(() => parseGrubConfig(entry('linux (cd0)/k'))).toThrow(
      'grub.cfg: (cd0)/k is not an absolute path on the ISO',
    );
    expect(() => parseGrubConfig(entry('linux /k\ninitrd i'))).toThrow(/i is not an absolute path/);
  });

  it('refuses quoting, variables, ; and inline braces rather than guess what GRUB would make of them', () => {
    for (const line of [
      `linux /k 'a b'`,
      'linux /k "a"',
      'linux /k root=$root',
      'linux /k a\\ b',
      'linux /k; initrd /i',
      'linux /k a=1 }',
    ])
      expect(() => parseGrubConfig(entry(line)), line).toThrow(/line 2: quoting, variables, ';' and braces/);
    expect(() => parseGrubConfig(entry('linux /k a=1 # comment'))).toThrow('line 2: trailing comments');
  });

  it('refuses commands outside the contract, nested and unclosed entries, a stray brace, a one-line entry', () => {
    expect(() => parseGrubConfig(entry('linux /k', 'terminal_output serial\n'))).toThrow(
      /line 1: "terminal_output serial" is outside the media boot contract/,
    );
    expect(() => parseGrubConfig(entry('linux /k\nchainloader /efi'))).toThrow(
      /line 3: "chainloader \/efi" is outside/,
    );
    expect(() => parseGrubConfig('linux /k\n')).toThrow(/line 1: "linux \/k" is outside/);
    expect(() => parseGrubConfig(entry("submenu 'y' {"))).toThrow('grub.cfg line 2: nested submenu is not supported');
    expect(() => parseGrubConfig("menuentry 'x' {\nlinux /k\n")).toThrow(
      "grub.cfg line 1: menuentry 'x' is never closed",
    );
    expect(() => parseGrubConfig('}\n')).toThrow('grub.cfg line 1: "}" closes no menuentry');
    expect(() => parseGrubConfig("menuentry 'x' { linux /k }\n")).toThrow(
      /line 1: cannot read "menuentry 'x' \{ linux/,
    );
    expect(() => parseGrubConfig("menuentry 'x'\n{\nlinux /k\n}\n")).toThrow(/line 1: cannot read/);
  });
});

describe('bootFromMedia: the lab never leaves loopback', () => {
  it('refuses a non-loopback image URL before fetching anything or touching its work dir', async () => {
    const fetchSpy = vi.fn<typeof fetch>();
    const boot = bootFromMedia({
      imageUrl: 'http://192.0.2.10/boot.iso',
      workDir: 'relative/never-created',
      fetch: fetchSpy,
    });
    await expect(boot).rejects.toThrow(MediaBootError);
    await expect(boot).rejects.toThrow(
      'media boot failed at image: lab: refusing to connect to non-loopback URL http://192.0.2.10/boot.iso',
    );
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('refuses an image URL that is not a URL', async () => {
    const fetchSpy = vi.fn<typeof fetch>();
    await expect(bootFromMedia({ imageUrl: 'boot.iso', workDir: '/nonexistent', fetch: fetchSpy })).rejects.toThrow(
      /media boot failed at image: Invalid URL/,
    );
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
