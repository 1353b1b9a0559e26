import { describe, expect, it } from 'vitest';
import { ApiError, apiErrorFrom, isApiError, unreachable, UNREACHABLE } from './api-error.js';

describe('ApiError', () => {
  it('keeps the API’s {error, code, details} and the status', () => {
    const err = apiErrorFrom(404, { error: 'Asset not found', code: 'ASSET_NOT_FOUND', details: { id: 'ast_1' } });
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 404,
      error: 'Asset not found',
      code: 'ASSET_NOT_FOUND',
      details: { id: 'ast_1' },
    });
    expect(err.message).toBe('Asset not found');
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      error: 'Asset not found',
      code: 'ASSET_NOT_FOUND',
      details: { id: 'ast_1' },
    });
  });

  it('gives an answer that is not the API’s (a proxy page) a generic HTTP_<status> code and keeps its text', () => {
    expect(apiErrorFrom(502, '<html>Bad gateway</html>\n')).toMatchObject({
      status: 502,
      code: 'HTTP_502',
      error: 'HTTP 502',
      details: '<html>Bad gateway</html>',
    });
    expect(apiErrorFrom(500, '').details).toBeNull();
  });

  it('reports an API that does not answer as status 0, API_UNREACHABLE, with the cause', () => {
    const cause = Object.assign(new TypeError('fetch failed'), {
      cause: new Error('connect ECONNREFUSED 127.0.0.1:9'),
    });
    const err = unreachable('http://127.0.0.1:9', cause);
    expect(err).toMatchObject({ status: 0, code: UNREACHABLE });
    expect(err.error).toContain('ECONNREFUSED');
    expect(isApiError(err)).toBe(true);
    expect(isApiError(new Error('x'))).toBe(false);
  });
});
