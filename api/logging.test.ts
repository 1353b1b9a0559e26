import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../shared/logger.js';
import { formatApiKey, newKeyId, newKeySecret } from './auth/api-key-format.js';

describe('API log redaction', () => {
  it('never writes an API key, its hash or a master key, whichever object carries it', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger('api', { destination: sink });
    const key = formatApiKey(newKeyId(), newKeySecret());
    log.info({ req: { headers: { authorization: `Bearer ${key}`, 'x-api-key': key } } }, 'request');
    log.info({ ctx: { headers: { authorization: `Bearer ${key}` } } }, 'nested headers');
    log.info({ response: { key, secretHash: 'f'.repeat(64) } }, 'issued key');
    log.info({ config: { masterKey: 'bWFzdGVy', apiKey: key } }, 'config');
    const secret = key.split('_')[2] as string;
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      expect(line).not.toContain(secret);
      expect(line).not.toContain('f'.repeat(64));
      expect(line).not.toContain('bWFzdGVy');
    }
    expect(lines.join('')).toContain('[redacted]');
  });
});
