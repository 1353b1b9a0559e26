/**
 * Ed25519 SSH key pairs in OpenSSH's own formats (`openssh-key-v1` private key, `authorized_keys`
 * public line), generated with node:crypto.
 *
 * Why not `ssh2.utils.generateKeyPairSync('ed25519')`: ssh2 1.x strips leading zero bytes from the
 * public key when it converts it, so 1 key in 256 comes out 31 bytes long and no SSH
 * implementation (ssh2 itself included) can parse it again.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export interface SshKeyPair {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----` text, unencrypted. */
  private: string;
  /** `ssh-ed25519 AAAA... comment` */
  public: string;
}

const KEY_TYPE = 'ssh-ed25519';
// OpenSSH pads the unencrypted private section to the cipher block size ("none" = 8).
const BLOCK_SIZE = 8;

function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}

/** The `ssh-ed25519` public key blob: string type, string 32-byte key. */
function publicBlob(publicKey: Buffer): Buffer {
  return Buffer.concat([sshString(KEY_TYPE), sshString(publicKey)]);
}

/** Encodes raw ed25519 key material (32-byte seed and 32-byte public key) in OpenSSH's formats. */
export function encodeEd25519KeyPair(seed: Buffer, publicKey: Buffer, comment = ''): SshKeyPair {
  if (seed.length !== 32 || publicKey.length !== 32)
    throw new Error('ed25519 seed and public key must be 32 bytes each');
  const check = randomBytes(4); // the same random word twice: OpenSSH's "decrypted correctly" check
  const section = Buffer.concat([
    check,
    check,
    sshString(KEY_TYPE),
    sshString(publicKey),
    sshString(Buffer.concat([seed, publicKey])),
    sshString(comment),
  ]);
  const padding = Buffer.from(
    Array.from({ length: (BLOCK_SIZE - (section.length % BLOCK_SIZE)) % BLOCK_SIZE }, (_, i) => i + 1),
  );
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString('none'), // cipher
    sshString('none'), // kdf
    sshString(''), // kdf options
    uint32(1), // number of keys
    sshString(publicBlob(publicKey)),
    sshString(Buffer.concat([section, padding])),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return {
    private: ['-----BEGIN OPENSSH PRIVATE KEY-----', ...lines, '-----END OPENSSH PRIVATE KEY-----', ''].join('\n'),
    public: [KEY_TYPE, publicBlob(publicKey).toString('base64'), comment].filter(Boolean).join(' '),
  };
}

/** A fresh ed25519 key pair. */
export function generateSshKeyPair(comment = ''): SshKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // JWK is the one export of node:crypto that gives the raw 32-byte seed and public key.
  const jwk = privateKey.export({ format: 'jwk' });
  const pub = publicKey.export({ format: 'jwk' });
  if (!jwk.d || !pub.x) throw new Error('ed25519 key export lacks its raw key material');
  return encodeEd25519KeyPair(Buffer.from(jwk.d, 'base64url'), Buffer.from(pub.x, 'base64url'), comment);
}
