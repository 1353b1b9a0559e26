import { describe, expect, it } from 'vitest';
import { BMC_FAILURE_TYPES } from '../bmc-errors.js';
import { classifyRedfishResponse, classifyTransportError, redfishErrorMessages } from './redfish-failures.js';
import { RedfishTransportError, type RedfishResponse } from './redfish-transport.js';

const details = { bmc: '10.0.0.5:443', operation: 'powerOn' };
const answer = (status: number, body?: unknown, text = ''): RedfishResponse => ({ status, headers: {}, body, text });
// What sushy-tools 2.2.0 answers to a wrong password (recorded).
const SUSHY_401 = {
  error: {
    code: 'Base.1.0.GeneralError',
    message: 'Incorrect username or password',
    '@Message.ExtendedInfo': [
      { '@odata.type': '/redfish/v1/$metadata#Message.1.0.0.Message', MessageId: 'Base.1.0.GeneralError' },
    ],
  },
};

describe('Redfish failure classification', () => {
  it('reads the message and every extended info of a Redfish error body', () => {
    expect(redfishErrorMessages(SUSHY_401)).toEqual(['Incorrect username or password', 'Base.1.0.GeneralError']);
    expect(redfishErrorMessages({ not: 'an error' })).toEqual([]);
    expect(redfishErrorMessages(undefined)).toEqual([]);
  });

  it('401 and 403 are BmcAuthFailed, not retryable, and carry what the BMC said', () => {
    const refused = classifyRedfishResponse(answer(401, SUSHY_401), details);
    expect(refused).toMatchObject({
      type: 'BmcAuthFailed',
      retryable: false,
      details: { output: expect.stringContaining('Incorrect username') },
    });
    expect(classifyRedfishResponse(answer(403), details)).toMatchObject({
      type: 'BmcAuthFailed',
      message: expect.stringContaining('privilege'),
    });
  });

  it('a full session table is BmcSessionLimit (retryable: stale sessions expire)', () => {
    const body = {
      error: {
        message: 'x',
        '@Message.ExtendedInfo': [
          {
            MessageId: 'Base.1.8.SessionLimitExceeded',
            Message: 'The session establishment failed due to the number of simultaneous sessions exceeding the limit',
          },
        ],
      },
    };
    expect(classifyRedfishResponse(answer(503, body), details)).toMatchObject({
      type: 'BmcSessionLimit',
      retryable: true,
    });
  });

  it('405 and 501 are BmcUnsupported', () => {
    expect(classifyRedfishResponse(answer(405), details).type).toBe('BmcUnsupported');
    expect(classifyRedfishResponse(answer(501), details).type).toBe('BmcUnsupported');
  });

  it('busy (409), stale ETag (412), throttled (429) and 5xx are retryable; other 4xx are not', () => {
    for (const status of [409, 412, 429, 500, 503]) {
      expect(classifyRedfishResponse(answer(status), details)).toMatchObject({
        type: 'BmcCommandFailed',
        retryable: true,
      });
    }
    for (const status of [400, 404, 428]) {
      expect(classifyRedfishResponse(answer(status), details)).toMatchObject({
        type: 'BmcCommandFailed',
        retryable: false,
      });
    }
  });

  it('a non-JSON body is quoted, bounded, in the error', () => {
    const err = classifyRedfishResponse(answer(400, undefined, '<html>Bad Request</html>'), details);
    expect(err.message).toContain('<html>Bad Request</html>');
  });

  it('no answer is BmcUnreachable (retryable); a rejected certificate is its own, final, failure', () => {
    expect(
      classifyTransportError(new RedfishTransportError('connect ECONNREFUSED', 'unreachable'), details),
    ).toMatchObject({ type: 'BmcUnreachable', retryable: true });
    expect(
      classifyTransportError(new RedfishTransportError('no answer within 30000 ms', 'timeout'), details),
    ).toMatchObject({ type: 'BmcUnreachable', retryable: true });
    const cert = classifyTransportError(
      new RedfishTransportError('fingerprint AA is not the pinned BB', 'certificate'),
      details,
    );
    expect(cert).toMatchObject({ type: 'BmcCertificateRejected', retryable: false, code: 'BMC_CERTIFICATE_REJECTED' });
    expect(BMC_FAILURE_TYPES).toContain(cert.type);
  });
});
