import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { kubeconfigArchive, ustarHeader } from '../../lab/talos-node/kubeconfig-archive.js';
import { readTar, TarFormatError } from './tar-reader.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const kubeconfigYaml = fixture('talos-admin-kubeconfig.golden.yaml').toString('utf8');
const longDir = `dir/${'very-long-directory-name-'.repeat(5)}`;

describe('readTar', () => {
  it('reads the archive Talos writes (Go archive/tar, no padding, no end-of-archive blocks)', () => {
    const tar = gunzipSync(fixture('talos-kubeconfig-go.tar.gz'));
    expect(tar.length).toBe(512 + Buffer.byteLength(kubeconfigYaml)); // really unpadded
    const entries = readTar(tar);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ name: 'kubeconfig', type: 'file', mode: 0o600 });
    expect(entries[0]?.data.toString('utf8')).toBe(kubeconfigYaml);
  });

  it('reads GNU tar PAX archives, using the PAX path for names over 100 bytes', () => {
    const entries = readTar(fixture('gnu-tar-pax.tar'));
    expect(entries.map((e) => [e.name, e.type])).toEqual([
      ['dir/', 'directory'],
      [`${longDir}/`, 'directory'],
      [`${longDir}/nested-file.txt`, 'file'],
      ['kubeconfig', 'file'],
    ]);
    expect(entries[2]?.data.toString()).toBe('hello\n');
    expect(entries[3]?.data.toString()).toBe(kubeconfigYaml);
  });

  it('reads GNU-format archives with GNU long-name entries', () => {
    const entries = readTar(fixture('gnu-tar-gnu.tar'));
    expect(entries.map((e) => e.name)).toContain(`${longDir}/nested-file.txt`);
    expect(entries.find((e) => e.name === 'kubeconfig')?.data.toString()).toBe(kubeconfigYaml);
  });

  it('produces byte-identical tar bytes to Go for the lab node archive (apart from mtime)', () => {
    const go = gunzipSync(fixture('talos-kubeconfig-go.tar.gz'));
    const goMtime = new Date(parseInt(go.subarray(136, 147).toString('ascii'), 8) * 1000);
    const ours = gunzipSync(kubeconfigArchive(kubeconfigYaml, goMtime));
    expect(ours.equals(go)).toBe(true);
  });

  it('rejects an archive cut inside the file data', () => {
    const tar = gunzipSync(fixture('talos-kubeconfig-go.tar.gz'));
    expect(() => readTar(tar.subarray(0, tar.length - 10))).toThrow(/truncated/);
  });

  it('rejects a header whose checksum does not match', () => {
    const tar = Buffer.from(gunzipSync(fixture('talos-kubeconfig-go.tar.gz')));
    tar[0] = 'K'.charCodeAt(0);
    expect(() => readTar(tar)).toThrow(TarFormatError);
    expect(() => readTar(tar)).toThrow(/checksum/);
  });

  it('rejects data that is not tar (bad magic) and trailing garbage shorter than a block', () => {
    const header = ustarHeader('x', 0, 0o644, new Date(0));
    const notUstar = Buffer.from(header);
    notUstar.write('xxxxx', 257, 'ascii');
    expect(() => readTar(notUstar)).toThrow(TarFormatError);
    expect(() => readTar(Buffer.concat([header, Buffer.from('garbage')]))).toThrow(/trailing bytes/);
  });

  it('stops at the end-of-archive zero blocks', () => {
    const data = Buffer.from('abc');
    const tar = Buffer.concat([
      ustarHeader('a', 3, 0o644, new Date(0)),
      data,
      Buffer.alloc(509),
      Buffer.alloc(1024),
      Buffer.from('ignored'),
    ]);
    expect(readTar(tar).map((e) => e.name)).toEqual(['a']);
  });
});
