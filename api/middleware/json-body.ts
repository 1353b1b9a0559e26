import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import { ErrorCodes, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../../shared/errors.js';

const WITH_BODY = ['POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Reads JSON request bodies up to `limitBytes`. A body that is not JSON → 415
 * UNSUPPORTED_MEDIA_TYPE; malformed JSON → 400 INVALID_JSON; too large → 413 PAYLOAD_TOO_LARGE
 * (checked against `Content-Length` before reading, and while streaming for chunked bodies).
 */
export function jsonBody(limitBytes: number) {
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: limitBytes,
    jsonStrict: true,
    parsedMethods: WITH_BODY,
    onError(err) {
      throw translate(err, limitBytes);
    },
  });
  return async function readJsonBody(ctx: Context, next: Next): Promise<void> {
    if (WITH_BODY.includes(ctx.method) && hasBody(ctx) && !ctx.is('json')) {
      throw new UnsupportedMediaTypeError(ctx.get('Content-Type') || '(none)');
    }
    await parse(ctx, next);
  };
}

function hasBody(ctx: Context): boolean {
  const length = ctx.get('Content-Length');
  return ctx.get('Transfer-Encoding') !== '' || (length !== '' && length !== '0');
}

function translate(err: Error, limitBytes: number): Error {
  const { status, type } = err as Error & { status?: number; type?: string };
  if (status === 413 || type === 'entity.too.large') return new PayloadTooLargeError(limitBytes);
  if (status === 415 || type === 'charset.unsupported' || type === 'encoding.unsupported') {
    return new UnsupportedMediaTypeError(type ?? 'unsupported encoding');
  }
  if (status === 400) {
    const position = /position (\d+)/.exec(err.message)?.[1];
    const reason = err.message.includes('only supports object and array')
      ? 'The body must be a JSON object or array'
      : err.message.includes('forbidden prototype property')
        ? // co-body parses with bourne, which refuses these keys (prototype poisoning) in valid JSON.
          'The body has a "__proto__" or "constructor.prototype" key, which is refused'
        : 'The body is not valid JSON';
    return new ValidationError(
      'Malformed JSON body',
      { reason, ...(position ? { position: Number(position) } : {}) },
      ErrorCodes.InvalidJson,
    );
  }
  return err;
}
