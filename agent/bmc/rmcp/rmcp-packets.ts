/**
 * Byte layouts of IPMI over LAN (IPMI v2.0 spec §13): the RMCP header, the IPMI 1.5 session-less
 * wrapper, the IPMI 2.0 (RMCP+) session wrapper, the RMCP+ session setup payloads and the IPMI LAN
 * message inside them. Pure functions over Buffers: no sockets, no keys (the caller passes the
 * integrity function, so this module stays free of crypto choices). Multi-byte fields are little
 * endian, as IPMI has them.
 */

/** RMCP version 1.0, reserved, sequence 0xff (no RMCP ack wanted), class IPMI. */
export const RMCP_HEADER = Buffer.from([0x06, 0x00, 0xff, 0x07]);

/** IPMI 2.0 payload types used here (spec table 13-16). */
export const PayloadType = {
  ipmi: 0x00,
  openSessionRequest: 0x10,
  openSessionResponse: 0x11,
  rakp1: 0x12,
  rakp2: 0x13,
  rakp3: 0x14,
  rakp4: 0x15,
} as const;

/** The BMC's address on the IPMB and the software ID a remote console uses (spec §5.5). */
export const BMC_SLAVE_ADDRESS = 0x20;
export const REMOTE_CONSOLE_SWID = 0x81;

/** Two's complement checksum: the covered bytes plus it sum to zero mod 256. */
export function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const byte of bytes) sum = (sum + byte) & 0xff;
  return (0x100 - sum) & 0xff;
}

export class PacketError extends Error {}

function need(buf: Buffer, length: number, what: string): void {
  if (buf.length < length) throw new PacketError(`${what}: ${buf.length} bytes, need ${length}`);
}

// --- IPMI LAN message (spec §13.8) ---------------------------------------------------------------

export interface LanRequest {
  netFn: number;
  cmd: number;
  /** 6-bit request sequence the response echoes; what matches a response to its request. */
  rqSeq: number;
  data: Uint8Array;
}

export interface LanResponse {
  netFn: number;
  cmd: number;
  rqSeq: number;
  completionCode: number;
  data: Buffer;
}

export function encodeLanRequest(request: LanRequest): Buffer {
  const head = Buffer.from([BMC_SLAVE_ADDRESS, (request.netFn << 2) & 0xff]);
  const body = Buffer.concat([
    Buffer.from([REMOTE_CONSOLE_SWID, (request.rqSeq & 0x3f) << 2, request.cmd]),
    Buffer.from(request.data),
  ]);
  return Buffer.concat([head, Buffer.from([checksum(head)]), body, Buffer.from([checksum(body)])]);
}

/** Decodes a response message; both checksums must hold, else it is a corrupt or foreign packet. */
export function decodeLanResponse(message: Buffer): LanResponse {
  need(message, 8, 'IPMI LAN response');
  if (checksum(message.subarray(0, 2)) !== message.readUInt8(2))
    throw new PacketError('IPMI LAN response: header checksum mismatch');
  const body = message.subarray(3, message.length - 1);
  if (checksum(body) !== message.readUInt8(message.length - 1))
    throw new PacketError('IPMI LAN response: data checksum mismatch');
  return {
    netFn: message.readUInt8(1) >> 2,
    rqSeq: message.readUInt8(4) >> 2,
    cmd: message.readUInt8(5),
    completionCode: message.readUInt8(6),
    data: Buffer.from(message.subarray(7, message.length - 1)),
  };
}

// --- Session wrappers (spec §13.6) ---------------------------------------------------------------

/** An IPMI 1.5 packet with no session (authentication type NONE, session id and sequence 0). */
export function encodeSessionlessV15(lanMessage: Buffer): Buffer {
  const header = Buffer.alloc(10);
  header.writeUInt8(0x00, 0);
  header.writeUInt8(lanMessage.length, 9);
  return Buffer.concat([RMCP_HEADER, header, lanMessage]);
}

/** Computes the AuthCode over the packet from the authentication type byte to the next header. */
export type IntegritySigner = (covered: Buffer) => Buffer;

export interface V20Packet {
  payloadType: number;
  encrypted: boolean;
  authenticated: boolean;
  sessionId: number;
  sequence: number;
  /** The payload as on the wire (already encrypted when `encrypted`). */
  payload: Buffer;
}

/**
 * Encodes an IPMI 2.0 packet. With `sign` the packet is authenticated: integrity pad (0xff) so the
 * signed part is a multiple of 4 bytes, pad length, next header 0x07, then the AuthCode.
 */
export function encodeV20(packet: Omit<V20Packet, 'authenticated'>, sign?: IntegritySigner): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt8(0x06, 0);
  header.writeUInt8((packet.encrypted ? 0x80 : 0) | (sign ? 0x40 : 0) | (packet.payloadType & 0x3f), 1);
  header.writeUInt32LE(packet.sessionId >>> 0, 2);
  header.writeUInt32LE(packet.sequence >>> 0, 6);
  header.writeUInt16LE(packet.payload.length, 10);
  if (!sign) return Buffer.concat([RMCP_HEADER, header, packet.payload]);
  const unpadded = header.length + packet.payload.length + 2;
  const padLength = (4 - (unpadded % 4)) % 4;
  const covered = Buffer.concat([
    header,
    packet.payload,
    Buffer.alloc(padLength, 0xff),
    Buffer.from([padLength, 0x07]),
  ]);
  return Buffer.concat([RMCP_HEADER, covered, sign(covered)]);
}

export type DecodedPacket =
  | { version: 1.5; sessionId: number; sequence: number; message: Buffer }
  | (V20Packet & {
      version: 2;
      /** The bytes the AuthCode covers, when authenticated. */
      covered?: Buffer;
      authCode?: Buffer;
    });

/**
 * Decodes an RMCP packet carrying IPMI. `authCodeLength` is the session's integrity AuthCode size
 * (needed to find where the trailer ends); pass 0 before a session has one.
 */
export function decodePacket(packet: Buffer, authCodeLength = 0): DecodedPacket {
  need(packet, 5, 'RMCP packet');
  if (packet.readUInt8(0) !== 0x06 || packet.readUInt8(3) !== 0x07)
    throw new PacketError('not an RMCP IPMI-class packet');
  const authType = packet.readUInt8(4);
  if (authType !== 0x06) {
    // IPMI 1.5: a 16-byte AuthCode follows the session id unless the authentication type is NONE.
    const codeLength = authType === 0x00 ? 0 : 16;
    need(packet, 14 + codeLength, 'IPMI 1.5 session header');
    const length = packet.readUInt8(13 + codeLength);
    const start = 14 + codeLength;
    need(packet, start + length, 'IPMI 1.5 message');
    return {
      version: 1.5,
      sequence: packet.readUInt32LE(5),
      sessionId: packet.readUInt32LE(9),
      message: Buffer.from(packet.subarray(start, start + length)),
    };
  }
  need(packet, 16, 'IPMI 2.0 session header');
  const typeByte = packet.readUInt8(5);
  const payloadType = typeByte & 0x3f;
  if (payloadType === 0x02) throw new PacketError('OEM explicit payloads are not supported');
  const length = packet.readUInt16LE(14);
  need(packet, 16 + length, 'IPMI 2.0 payload');
  const decoded: DecodedPacket = {
    version: 2,
    payloadType,
    encrypted: (typeByte & 0x80) !== 0,
    authenticated: (typeByte & 0x40) !== 0,
    sessionId: packet.readUInt32LE(6),
    sequence: packet.readUInt32LE(10),
    payload: Buffer.from(packet.subarray(16, 16 + length)),
  };
  if (!decoded.authenticated) return decoded;
  if (authCodeLength === 0) throw new PacketError('authenticated packet outside an established session');
  need(packet, 16 + length + 2 + authCodeLength, 'IPMI 2.0 session trailer');
  const coveredEnd = packet.length - authCodeLength;
  if (packet.readUInt8(coveredEnd - 1) !== 0x07) throw new PacketError('IPMI 2.0 trailer: next header is not 0x07');
  return {
    ...decoded,
    covered: Buffer.from(packet.subarray(4, coveredEnd)),
    authCode: Buffer.from(packet.subarray(coveredEnd)),
  };
}

// --- RMCP+ session setup payloads (spec §13.17–13.23) --------------------------------------------

export interface Algorithms {
  authentication: number;
  integrity: number;
  confidentiality: number;
}

function algorithmRecord(kind: number, algorithm: number): Buffer {
  return Buffer.from([kind, 0x00, 0x00, 0x08, algorithm & 0x3f, 0x00, 0x00, 0x00]);
}

export interface OpenSessionRequest {
  messageTag: number;
  /** Requested maximum privilege (0 = the highest the BMC allows for the user). */
  privilege: number;
  consoleSessionId: number;
  algorithms: Algorithms;
}

export function encodeOpenSessionRequest(request: OpenSessionRequest): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt8(request.messageTag, 0);
  head.writeUInt8(request.privilege & 0x0f, 1);
  head.writeUInt32LE(request.consoleSessionId >>> 0, 4);
  return Buffer.concat([
    head,
    algorithmRecord(0x00, request.algorithms.authentication),
    algorithmRecord(0x01, request.algorithms.integrity),
    algorithmRecord(0x02, request.algorithms.confidentiality),
  ]);
}

/**
 * Tag, status and console session id that start every setup response. Error responses may stop
 * after tag and status (ipmi_sim sends just those two bytes), so the session id is optional.
 */
export interface SetupResponseHead {
  messageTag: number;
  status: number;
  consoleSessionId?: number;
}

function setupHead(payload: Buffer, what: string): SetupResponseHead {
  need(payload, 2, what);
  const status = payload.readUInt8(1);
  if (status === 0) need(payload, 8, what);
  return {
    messageTag: payload.readUInt8(0),
    status,
    ...(payload.length >= 8 ? { consoleSessionId: payload.readUInt32LE(4) } : {}),
  };
}

export interface OpenSessionResponse extends SetupResponseHead {
  privilege?: number;
  /** Absent when the status is an error (the BMC may send the first 8 bytes only). */
  managedSessionId?: number;
  algorithms?: Algorithms;
}

export function decodeOpenSessionResponse(payload: Buffer): OpenSessionResponse {
  const response: OpenSessionResponse = { ...setupHead(payload, 'Open Session Response') };
  if (response.status !== 0) return response;
  response.privilege = payload.readUInt8(2) & 0x0f;
  need(payload, 36, 'Open Session Response');
  return {
    ...response,
    managedSessionId: payload.readUInt32LE(8),
    algorithms: {
      authentication: payload.readUInt8(16) & 0x3f,
      integrity: payload.readUInt8(24) & 0x3f,
      confidentiality: payload.readUInt8(32) & 0x3f,
    },
  };
}

export interface Rakp1 {
  messageTag: number;
  managedSessionId: number;
  consoleRandom: Buffer;
  /** Requested privilege with the name-only lookup bit, exactly as it enters the HMACs. */
  role: number;
  username: Buffer;
}

export function encodeRakp1(message: Rakp1): Buffer {
  if (message.consoleRandom.length !== 16) throw new PacketError('RAKP 1: console random number must be 16 bytes');
  if (message.username.length > 16) throw new PacketError('RAKP 1: user name longer than 16 bytes');
  const head = Buffer.alloc(8);
  head.writeUInt8(message.messageTag, 0);
  head.writeUInt32LE(message.managedSessionId >>> 0, 4);
  return Buffer.concat([
    head,
    message.consoleRandom,
    Buffer.from([message.role, 0x00, 0x00, message.username.length]),
    message.username,
  ]);
}

export interface Rakp2 extends SetupResponseHead {
  /** Absent when the status is an error. */
  managedRandom?: Buffer;
  managedGuid?: Buffer;
  keyExchangeAuthCode?: Buffer;
}

export function decodeRakp2(payload: Buffer): Rakp2 {
  const message: Rakp2 = setupHead(payload, 'RAKP 2');
  if (message.status !== 0) return message;
  need(payload, 40, 'RAKP 2');
  return {
    ...message,
    managedRandom: Buffer.from(payload.subarray(8, 24)),
    managedGuid: Buffer.from(payload.subarray(24, 40)),
    keyExchangeAuthCode: Buffer.from(payload.subarray(40)),
  };
}

export interface Rakp3 {
  messageTag: number;
  status: number;
  managedSessionId: number;
  keyExchangeAuthCode: Buffer;
}

export function encodeRakp3(message: Rakp3): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt8(message.messageTag, 0);
  head.writeUInt8(message.status, 1);
  head.writeUInt32LE(message.managedSessionId >>> 0, 4);
  return Buffer.concat([head, message.keyExchangeAuthCode]);
}

export interface Rakp4 extends SetupResponseHead {
  integrityCheckValue: Buffer;
}

export function decodeRakp4(payload: Buffer): Rakp4 {
  return { ...setupHead(payload, 'RAKP 4'), integrityCheckValue: Buffer.from(payload.subarray(8)) };
}

/** RMCP+ and RAKP message status codes (spec table 13-15). */
export const RAKP_STATUS = {
  noError: 0x00,
  insufficientResources: 0x01,
  invalidSessionId: 0x02,
  invalidAuthenticationAlgorithm: 0x04,
  invalidIntegrityAlgorithm: 0x05,
  inactiveSessionId: 0x08,
  invalidRole: 0x09,
  unauthorizedRole: 0x0a,
  unauthorizedName: 0x0d,
  invalidIntegrityCheckValue: 0x0f,
  invalidConfidentialityAlgorithm: 0x10,
  noCipherSuiteMatch: 0x11,
  illegalParameter: 0x12,
} as const;
