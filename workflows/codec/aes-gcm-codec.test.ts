import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { AesGcmPayloadCodec } from './aes-gcm-codec.js';

const payload = () => defaultPayloadConverter.toPayload({ assetId: 'ast_1', note: 'hunter2-is-not-a-password' });

describe('the AES-GCM payload codec', () => {
  const codec = new AesGcmPayloadCodec(randomBytes(32), 'k1');

  it('round-trips payloads and leaves no plaintext in what Temporal stores', async () => {
    const [encoded] = await codec.encode([payload()]);
    expect(Buffer.from(encoded!.data!).toString('latin1')).not.toContain('hunter2');
    expect(Buffer.from(encoded!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    const [decoded] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({
      assetId: 'ast_1',
      note: 'hunter2-is-not-a-password',
    });
  });

  it('uses a fresh nonce per payload', async () => {
    const [a, b] = await codec.encode([payload(), payload()]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('passes through payloads it did not encrypt (histories recorded before the codec)', async () => {
    const plain = payload();
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('refuses a tampered payload or another key', async () => {
    const [encoded] = await codec.encode([payload()]);
    const tampered = Buffer.from(encoded!.data!);
    tampered[20] = tampered[20]! ^ 1;
    await expect(codec.decode([{ ...encoded!, data: tampered }])).rejects.toThrow();
    await expect(new AesGcmPayloadCodec(randomBytes(32), 'k2').decode([encoded!])).rejects.toThrow();
  });
});
