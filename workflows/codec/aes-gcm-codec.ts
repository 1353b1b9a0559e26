import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
// @temporalio/proto is CommonJS: a default import works under both Node ESM and bundlers.
import proto from '@temporalio/proto';

const { Payload: PayloadProto } = proto.temporal.api.common.v1;
const ENCODING = 'binary/encrypted';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts every payload Temporal stores (workflow inputs, activity arguments and results,
 * signals) with AES-256-GCM: a second line of defence behind "payloads carry references, never
 * secrets" (DESIGN.md). Payloads without our encoding (recorded before the codec, or from other
 * clients) pass through untouched on decode, so old histories still replay.
 *
 * Every process that talks to Temporal (API, worker, CLI) must use the same key.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keyId: string;

  constructor(
    private readonly key: Buffer,
    keyId: string,
  ) {
    if (key.length !== 32) throw new RangeError('AesGcmPayloadCodec needs a 32-byte key');
    this.keyId = keyId;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.key, nonce, { authTagLength: TAG_BYTES });
      const plain = PayloadProto.encode(payload).finish();
      const body = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: Buffer.from(ENCODING), 'encryption-key-id': Buffer.from(this.keyId) },
        data: body,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding ? Buffer.from(payload.metadata.encoding).toString() : '';
      if (encoding !== ENCODING) return payload;
      const body = Buffer.from(payload.data ?? new Uint8Array());
      if (body.length < NONCE_BYTES + TAG_BYTES) throw new Error('Encrypted payload is truncated');
      const decipher = createDecipheriv('aes-256-gcm', this.key, body.subarray(0, NONCE_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(body.subarray(NONCE_BYTES, body.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return PayloadProto.decode(plain) as Payload;
    });
  }
}
