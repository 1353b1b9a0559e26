import { hkdfSync } from 'node:crypto';
import type { DataConverter } from '@temporalio/common';
import { secretBoxKeyId } from '../../shared/secret-box.js';
import { AesGcmPayloadCodec } from './aes-gcm-codec.js';

/**
 * The data converter every Rackpilot Temporal client and worker uses: payloads encrypted with a
 * key derived (HKDF-SHA256) from the master key, so no separate secret has to be distributed.
 */
export function rackpilotDataConverter(masterKey: Buffer): DataConverter {
  const key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'rackpilot temporal payloads v1', 32));
  return { payloadCodecs: [new AesGcmPayloadCodec(key, secretBoxKeyId(key))] };
}
