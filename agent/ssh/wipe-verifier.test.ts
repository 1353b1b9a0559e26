import { describe, expect, it } from 'vitest';
import { sshFixture } from '../../test/fixtures/ssh/read-fixture.js';
import { parseBlkidExport, parseCmp, parseWipefsJson } from './wipe-verifier.js';

describe('verification parsers (recorded from real wipefs/blkid/cmp on image files)', () => {
  it('wipefs -J: GPT with both headers and the protective MBR; ext4; nothing', () => {
    expect(parseWipefsJson(sshFixture('wipefs-gpt.json'))).toEqual(['gpt', 'gpt', 'PMBR']);
    expect(parseWipefsJson(sshFixture('wipefs-ext4.json'))).toEqual(['ext4']);
    expect(parseWipefsJson(sshFixture('wipefs-empty.json'))).toEqual([]);
    expect(parseWipefsJson('')).toEqual([]);
    expect(() => parseWipefsJson('{}')).toThrow(/signatures/);
  });

  it('blkid -p -o export: partition table and filesystem types; exit 2 is clean', () => {
    expect(parseBlkidExport({ code: 0, stdout: sshFixture('blkid-gpt.txt'), stderr: '' })).toEqual(['gpt']);
    expect(parseBlkidExport({ code: 0, stdout: sshFixture('blkid-ext4.txt'), stderr: '' })).toEqual(['ext4']);
    expect(parseBlkidExport({ code: 2, stdout: sshFixture('blkid-empty.txt'), stderr: '' })).toEqual([]);
    expect(() =>
      parseBlkidExport({ code: 4, stdout: '', stderr: 'blkid: error: /dev/sda: No such file or directory' }),
    ).toThrow(/exited 4/);
  });

  it('cmp: equal, first differing byte, read error', () => {
    expect(parseCmp({ code: 0, stdout: '', stderr: '' })).toEqual({ zero: true });
    expect(parseCmp({ code: 1, stdout: '/dev/zero /dev/sda differ: byte 5001, line 1\n', stderr: '' })).toEqual({
      zero: false,
      firstDifference: 5001,
    });
    expect(parseCmp({ code: 2, stdout: '', stderr: 'cmp: EOF on /dev/sda after byte 10' })).toMatchObject({
      zero: false,
      error: 'cmp: EOF on /dev/sda after byte 10',
    });
  });
});
