import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { encodeEd25519KeyPair, generateSshKeyPair } from './ssh-key-pair.js';

/** Raw key material of a fresh ed25519 key whose public key starts with a zero byte (1 in 256). */
function keyWithLeadingZero(): { seed: Buffer; pub: Buffer } {
  for (;;) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
    if (pub[0] === 0) return { seed: Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url'), pub };
  }
}

function parsed(text: string): ssh2.ParsedKey {
  const key = ssh2.utils.parseKey(text);
  if (key instanceof Error) throw key;
  return Array.isArray(key) ? key[0] : key;
}

describe('ed25519 SSH key pairs', () => {
  it('keep a public key that starts with a zero byte whole, where ssh2 1.x cut it to 31 bytes', () => {
    const { seed, pub } = keyWithLeadingZero();
    const pair = encodeEd25519KeyPair(seed, pub, 'rackpilot-agent');
    const key = parsed(pair.private);
    expect(key.type).toBe('ssh-ed25519');
    expect(key.getPublicSSH().subarray(-32)).toEqual(pub);
    const data = Buffer.from('challenge');
    expect(key.verify(data, key.sign(data))).toBe(true);
  });

  it('are read by OpenSSH itself: ssh-keygen derives the same public line from the private key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rackpilot-sshkey-'));
    try {
      const { seed, pub } = keyWithLeadingZero();
      for (const pair of [generateSshKeyPair('a@b'), encodeEd25519KeyPair(seed, pub, 'zero')]) {
        const file = join(dir, 'id_ed25519');
        writeFileSync(file, pair.private, { mode: 0o600 });
        const derived = execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' }).trim();
        expect(derived.split(' ').slice(0, 2)).toEqual(pair.public.split(' ').slice(0, 2));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parse every time (2000 fresh pairs), with the comment on the public line', () => {
    for (let i = 0; i < 2000; i++) {
      const pair = generateSshKeyPair('c');
      expect(parsed(pair.private).getPublicSSH().toString('base64')).toBe(pair.public.split(' ')[1]);
    }
    expect(generateSshKeyPair('rackpilot-agent').public).toMatch(/^ssh-ed25519 AAAA\S+ rackpilot-agent$/);
    expect(generateSshKeyPair().public).toMatch(/^ssh-ed25519 AAAA\S+$/);
  });

  it('refuse key material of the wrong size', () => {
    expect(() => encodeEd25519KeyPair(Buffer.alloc(31), Buffer.alloc(32))).toThrow(/32 bytes/);
  });
});
