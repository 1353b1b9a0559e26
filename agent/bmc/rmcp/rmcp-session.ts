/**
 * An IPMI v2.0 RMCP+ ("lanplus") session over UDP, written to survive a lossy management network:
 * every message, handshake included, is retransmitted on a short timeout with backoff, and a
 * handshake the BMC rejects or stops answering midway starts again from Open Session with a fresh
 * session id (a BMC that lost our RAKP 3 or whose RAKP 4 we lost cannot be resumed reliably).
 * The password only ever enters the HMAC keys; it is in no message, error or log.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  CIPHER_SUITES,
  type CipherSuite,
  type CipherSuiteId,
  decryptPayload,
  encryptPayload,
  type HandshakeValues,
  packetAuthCode,
  rakp2AuthCode,
  rakp3AuthCode,
  rakp4IntegrityCheckValue,
  sameBytes,
  type SessionKeys,
  sessionIntegrityKey,
  sessionKeys,
  u32,
  userKey,
} from './rmcp-crypto.js';
import {
  decodeLanResponse,
  decodeOpenSessionResponse,
  decodePacket,
  decodeRakp2,
  decodeRakp4,
  encodeLanRequest,
  encodeOpenSessionRequest,
  encodeRakp1,
  encodeRakp3,
  encodeSessionlessV15,
  encodeV20,
  type LanResponse,
  PayloadType,
  RAKP_STATUS,
  type SetupResponseHead,
} from './rmcp-packets.js';

export type RmcpErrorKind = 'unreachable' | 'auth' | 'protocol';

/** Base of the session's failures; `kind` is what a caller branches on. */
export class RmcpError extends Error {
  constructor(
    readonly kind: RmcpErrorKind,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Nothing answered within the retry bound. */
export class RmcpUnreachableError extends RmcpError {
  constructor(message: string) {
    super('unreachable', message);
  }
}

/** The BMC does not accept the user name or password. Retrying will not help. */
export class RmcpAuthError extends RmcpError {
  constructor(message: string) {
    super('auth', message);
  }
}

/** The BMC answered, but not in a way that leads to a working session or response. */
export class RmcpProtocolError extends RmcpError {
  constructor(
    message: string,
    /** The RMCP+ / RAKP status code of the refused handshake step, when one was refused. */
    readonly status?: number,
  ) {
    super('protocol', message);
  }
}

/** IPMI privilege levels (spec §22.18, Set Session Privilege Level). */
export const Privilege = { callback: 1, user: 2, operator: 3, administrator: 4 } as const;
export type PrivilegeLevel = (typeof Privilege)[keyof typeof Privilege];

export interface RetryPolicy {
  /** First wait for an answer; doubled on each retransmission. Default 250 ms. */
  initialTimeoutMs: number;
  /** Cap of the doubling. Default 1000 ms. */
  maxTimeoutMs: number;
  /** Transmissions of one message before giving up on it. Default 10. */
  attempts: number;
}

// Loss, not congestion, is what a management network does to us: a cap of 1 s keeps a message
// that needs its fourth transmission from waiting 2 s more, and 10 transmissions lose a message
// on a link dropping 30 % each way once in ~800 (0.51^10). Nothing answering costs 8.75 s.
export const DEFAULT_RETRY: RetryPolicy = { initialTimeoutMs: 250, maxTimeoutMs: 1_000, attempts: 10 };

/**
 * RAKP 3 transmissions before the session is tried without its RAKP 4. A BMC answers one RAKP 3
 * and ignores the rest once the session is active (ipmi_sim does), so a lost RAKP 4 would
 * otherwise cost every retransmission and a new handshake.
 */
const RAKP3_ATTEMPTS = 3;

/** Transmissions of the first in-session message when it is what proves the session exists. */
const UNCONFIRMED_SESSION_ATTEMPTS = 4;

/** Transmissions of Close Session: the BMC closes on the first it gets and ignores the rest. */
const CLOSE_ATTEMPTS = 2;

export interface RmcpSessionOptions {
  host: string;
  port?: number;
  username: string;
  password: string;
  cipherSuite: CipherSuiteId;
  /** Privilege the session runs at. Default administrator. */
  privilege?: PrivilegeLevel;
  retry?: Partial<RetryPolicy>;
  /** Handshakes started from Open Session before giving up. Default 6. */
  maxHandshakes?: number;
  signal?: AbortSignal;
  /** Told of every exchange and every handshake started over: what a debug log shows of a lossy link. */
  trace?: (event: RmcpTraceEvent) => void;
}

export type RmcpTraceEvent =
  | { type: 'exchange'; message: string; transmissions: number; answered: boolean; ms: number }
  | { type: 'handshake-restart'; reason: string };

export interface IpmiResponse {
  completionCode: number;
  data: Buffer;
}

/** RoleM's "name-only lookup" bit: the BMC finds the user by name, not by name and privilege. */
const NAME_ONLY_LOOKUP = 0x10;

/** Open Session / RAKP statuses after which a new handshake cannot fare better. */
const HOPELESS_STATUSES = new Set<number>([
  RAKP_STATUS.invalidAuthenticationAlgorithm,
  RAKP_STATUS.invalidIntegrityAlgorithm,
  RAKP_STATUS.invalidConfidentialityAlgorithm,
  RAKP_STATUS.noCipherSuiteMatch,
  RAKP_STATUS.invalidRole,
  RAKP_STATUS.unauthorizedRole,
]);

const hex = (value: number): string => `0x${value.toString(16).padStart(2, '0')}`;

/** A non-zero 32-bit id: zero means "no session" on the wire. */
function randomSessionId(): number {
  for (;;) {
    const id = randomBytes(4).readUInt32LE();
    if (id !== 0) return id;
  }
}

/** Whether a setup response answers our message: same tag, and our session id when it carries one. */
function answers(head: SetupResponseHead, tag: number, consoleSessionId: number): boolean {
  return head.messageTag === tag && (head.consoleSessionId ?? consoleSessionId) === consoleSessionId;
}

/** One UDP socket talking to one BMC; packets from anyone else are dropped. */
class Channel {
  private readonly listeners = new Set<(packet: Buffer) => void>();
  /** True once the BMC has sent anything at all: the difference between unreachable and broken. */
  heard = false;

  private constructor(
    private readonly socket: Socket,
    private readonly host: string,
    private readonly port: number,
  ) {
    socket.on('message', (packet, from) => {
      if (from.address !== host || from.port !== port) return;
      this.heard = true;
      for (const listener of [...this.listeners]) listener(packet);
    });
    // ICMP port unreachable and the like: the retry bound turns silence into 'unreachable'.
    socket.on('error', () => undefined);
  }

  static async open(host: string, port: number): Promise<Channel> {
    const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new Channel(socket, host, port);
  }

  send(packet: Buffer): void {
    this.socket.send(packet, this.port, this.host);
  }

  listen(listener: (packet: Buffer) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  }
}

/** A session as the BMC sees it once RAKP 3 was sent: enough to sign, encrypt and close it. */
interface ActiveSession {
  keys: SessionKeys;
  consoleSessionId: number;
  managedSessionId: number;
}

/**
 * A handshake's outcome. `confirmed` is false when RAKP 4 never came: the session may or may not
 * exist on the BMC, and the first in-session answer decides (its integrity code under K1 proves the
 * BMC derived the same session key from the password, as RAKP 4's check value would have).
 */
type Attempt =
  { ok: true; session: ActiveSession; confirmed: boolean } | { ok: false; reason: string; status?: number };

export class RmcpSession {
  private readonly retry: RetryPolicy;
  private readonly suite: CipherSuite;
  private readonly bmc: string;
  private active: ActiveSession | undefined;
  private outboundSequence = 1;
  private requestSequence = 0;
  private messageTag = 0;
  /** Session sequence numbers of the BMC's recent packets, to drop duplicated responses. */
  private readonly seenInbound: number[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly channel: Channel,
    private readonly options: RmcpSessionOptions,
  ) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.suite = CIPHER_SUITES[options.cipherSuite];
    this.bmc = `${options.host}:${options.port ?? 623}`;
  }

  /** Opens a session at the requested privilege, or throws an {@link RmcpError}. */
  static async open(options: RmcpSessionOptions): Promise<RmcpSession> {
    if (!CIPHER_SUITES[options.cipherSuite]) throw new RangeError(`unsupported cipher suite ${options.cipherSuite}`);
    const channel = await Channel.open(options.host, options.port ?? 623);
    const session = new RmcpSession(channel, options);
    try {
      await session.handshake();
      return session;
    } catch (err) {
      await channel.close();
      throw err;
    }
  }

  /**
   * Sends one IPMI request in the session and resolves with its response. Requests are serialised:
   * one in flight keeps rqSeq matching unambiguous and is what BMCs cope with best.
   */
  request(netFn: number, cmd: number, data: Uint8Array = Buffer.alloc(0)): Promise<IpmiResponse> {
    const run = this.queue.then(() => this.send(netFn, cmd, data));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Closes the session on the BMC (best effort: a lost Close Session times out on the BMC) and the socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.active) {
      const session = this.active;
      const closing = this.queue.then(() => this.send(0x06, 0x3c, u32(session.managedSessionId), CLOSE_ATTEMPTS));
      await closing.catch(() => undefined);
    }
    this.closed = true;
    this.active = undefined;
    await this.channel.close();
  }

  private async handshake(): Promise<void> {
    await this.channelAuthCapabilities();
    const kuid = userKey(this.options.password);
    const maxHandshakes = this.options.maxHandshakes ?? 6;
    let reason = '';
    let status: number | undefined;
    for (let round = 0; round < maxHandshakes; round += 1) {
      const attempt = await this.establish(kuid);
      if (!attempt.ok) {
        ({ reason, status } = attempt);
        this.options.trace?.({ type: 'handshake-restart', reason });
        continue;
      }
      this.active = attempt.session;
      this.outboundSequence = 1;
      const privilege = this.options.privilege ?? Privilege.administrator;
      const set = await this.send(
        0x06,
        0x3b,
        Buffer.from([privilege]),
        attempt.confirmed ? undefined : UNCONFIRMED_SESSION_ATTEMPTS,
      ).catch((err: unknown) => err as Error);
      if (set instanceof RmcpUnreachableError) {
        reason = attempt.confirmed ? 'no answer to Set Session Privilege Level' : 'no RAKP 4 and no session';
        status = undefined;
        this.options.trace?.({ type: 'handshake-restart', reason });
        this.abandon(attempt.session);
        continue;
      }
      if (set instanceof Error) throw set;
      if (set.completionCode !== 0)
        throw new RmcpAuthError(
          `BMC ${this.bmc} refused privilege level ${privilege} (completion code ${hex(set.completionCode)})`,
        );
      return;
    }
    if (!this.channel.heard) throw new RmcpUnreachableError(`BMC ${this.bmc} did not answer`);
    throw new RmcpProtocolError(
      `BMC ${this.bmc}: no session after ${maxHandshakes} handshakes (last: ${reason})`,
      status,
    );
  }

  /** Session-less Get Channel Authentication Capabilities: proves the BMC is there and speaks IPMI 2.0. */
  private async channelAuthCapabilities(): Promise<void> {
    const rqSeq = this.nextRequestSequence();
    const packet = encodeSessionlessV15(
      // Channel E (this one) with the "IPMI v2.0 extended data" bit; privilege administrator.
      encodeLanRequest({ netFn: 0x06, cmd: 0x38, rqSeq, data: Buffer.from([0x8e, Privilege.administrator]) }),
    );
    const response = await this.exchange(
      'Get Channel Authentication Capabilities',
      () => packet,
      (raw) => {
        const decoded = decodePacket(raw);
        if (decoded.version !== 1.5) return undefined;
        const lan = decodeLanResponse(decoded.message);
        return lan.rqSeq === rqSeq && lan.cmd === 0x38 && lan.netFn === 0x07 ? lan : undefined;
      },
    );
    if (!response) throw new RmcpUnreachableError(`BMC ${this.bmc} did not answer`);
    if (response.completionCode !== 0)
      throw new RmcpProtocolError(
        `BMC ${this.bmc}: Get Channel Authentication Capabilities failed (completion code ${hex(response.completionCode)})`,
      );
    const extended = (response.data.readUInt8(1) & 0x80) !== 0;
    const v2 = response.data.length >= 4 && (response.data.readUInt8(3) & 0x02) !== 0;
    if (extended && !v2) throw new RmcpProtocolError(`BMC ${this.bmc} does not support IPMI v2.0 (RMCP+)`);
  }

  /** One handshake from Open Session to a verified RAKP 4. */
  private async establish(kuid: Buffer): Promise<Attempt> {
    const consoleSessionId = randomSessionId();
    const privilege = this.options.privilege ?? Privilege.administrator;

    const openTag = this.nextTag();
    const openPacket = encodeV20({
      payloadType: PayloadType.openSessionRequest,
      encrypted: false,
      sessionId: 0,
      sequence: 0,
      payload: encodeOpenSessionRequest({
        messageTag: openTag,
        privilege,
        consoleSessionId,
        algorithms: this.suite.algorithms,
      }),
    });
    const opened = await this.exchange(
      'Open Session',
      () => openPacket,
      this.setupPayload(PayloadType.openSessionResponse, (payload) => {
        const response = decodeOpenSessionResponse(payload);
        return answers(response, openTag, consoleSessionId) ? response : undefined;
      }),
    );
    if (!opened) return { ok: false, reason: 'no Open Session Response' };
    if (HOPELESS_STATUSES.has(opened.status))
      throw new RmcpProtocolError(
        `BMC ${this.bmc} refused cipher suite ${this.suite.id} at privilege ${privilege} (status ${hex(opened.status)})`,
        opened.status,
      );
    if (opened.status !== 0 || opened.managedSessionId === undefined || !opened.algorithms)
      return { ok: false, reason: `Open Session status ${hex(opened.status)}`, status: opened.status };
    const offered = opened.algorithms;
    const wanted = this.suite.algorithms;
    if (
      offered.authentication !== wanted.authentication ||
      offered.integrity !== wanted.integrity ||
      offered.confidentiality !== wanted.confidentiality
    )
      throw new RmcpProtocolError(`BMC ${this.bmc} answered with other algorithms than cipher suite ${this.suite.id}`);
    const managedSessionId = opened.managedSessionId;

    const username = Buffer.from(this.options.username, 'utf8');
    const consoleRandom = randomBytes(16);
    const role = privilege | NAME_ONLY_LOOKUP;
    const rakp1Tag = this.nextTag();
    const rakp1 = encodeV20({
      payloadType: PayloadType.rakp1,
      encrypted: false,
      sessionId: 0,
      sequence: 0,
      payload: encodeRakp1({ messageTag: rakp1Tag, managedSessionId, consoleRandom, role, username }),
    });
    const rakp2 = await this.exchange(
      'RAKP 1',
      () => rakp1,
      this.setupPayload(PayloadType.rakp2, (payload) => {
        const message = decodeRakp2(payload);
        return answers(message, rakp1Tag, consoleSessionId) ? message : undefined;
      }),
    );
    if (!rakp2) return { ok: false, reason: 'no RAKP 2' };
    if (rakp2.status === RAKP_STATUS.unauthorizedName)
      throw new RmcpAuthError(`BMC ${this.bmc} does not know user ${JSON.stringify(this.options.username)}`);
    if (rakp2.status !== 0 || !rakp2.managedRandom || !rakp2.managedGuid || !rakp2.keyExchangeAuthCode)
      return { ok: false, reason: `RAKP 2 status ${hex(rakp2.status)}`, status: rakp2.status };
    const values: HandshakeValues = {
      consoleSessionId,
      managedSessionId,
      consoleRandom,
      managedRandom: rakp2.managedRandom,
      managedGuid: rakp2.managedGuid,
      role,
      username,
    };
    // Each RAKP 2 is consistent in itself (one BMC random, our one console random), so a mismatch
    // is not a stale packet: the BMC holds another password for this user.
    if (!sameBytes(rakp2.keyExchangeAuthCode, rakp2AuthCode(this.suite, kuid, values)))
      throw new RmcpAuthError(
        `BMC ${this.bmc} rejected the credentials of user ${JSON.stringify(this.options.username)}`,
      );

    const sik = sessionIntegrityKey(this.suite, kuid, values);
    const session: ActiveSession = { keys: sessionKeys(this.suite, sik), consoleSessionId, managedSessionId };
    const rakp3Tag = this.nextTag();
    const rakp3 = encodeV20({
      payloadType: PayloadType.rakp3,
      encrypted: false,
      sessionId: 0,
      sequence: 0,
      payload: encodeRakp3({
        messageTag: rakp3Tag,
        status: 0,
        managedSessionId,
        keyExchangeAuthCode: rakp3AuthCode(this.suite, kuid, values),
      }),
    });
    const rakp4 = await this.exchange(
      'RAKP 3',
      () => rakp3,
      this.setupPayload(PayloadType.rakp4, (payload) => {
        const message = decodeRakp4(payload);
        return answers(message, rakp3Tag, consoleSessionId) ? message : undefined;
      }),
      RAKP3_ATTEMPTS,
    );
    if (!rakp4) return { ok: true, session, confirmed: false };
    // A non-zero status here is usually our RAKP 3 meeting a BMC random number regenerated by a
    // retransmitted RAKP 1: RAKP 2 already proved the password, so start over rather than fail.
    if (rakp4.status !== 0) return { ok: false, reason: `RAKP 4 status ${hex(rakp4.status)}`, status: rakp4.status };
    if (!sameBytes(rakp4.integrityCheckValue, rakp4IntegrityCheckValue(this.suite, sik, values))) {
      this.abandon(session);
      return { ok: false, reason: 'RAKP 4 integrity check value mismatch' };
    }
    return { ok: true, session, confirmed: true };
  }

  /** Sends one Close Session for a session we give up on, so it does not hold a BMC slot until timeout. */
  private abandon(session: ActiveSession): void {
    const packet = this.sessionPacket(session, {
      netFn: 0x06,
      cmd: 0x3c,
      rqSeq: this.nextRequestSequence(),
      data: u32(session.managedSessionId),
    });
    this.channel.send(packet);
    this.active = undefined;
  }

  private async send(
    netFn: number,
    cmd: number,
    data: Uint8Array,
    attempts = this.retry.attempts,
  ): Promise<IpmiResponse> {
    const session = this.active;
    if (!session || this.closed) throw new RmcpProtocolError(`session with BMC ${this.bmc} is not open`);
    const rqSeq = this.nextRequestSequence();
    const response = await this.exchange(
      `netFn ${hex(netFn)} cmd ${hex(cmd)}`,
      // A new session sequence number per transmission: BMCs drop a number they have already seen.
      () => this.sessionPacket(session, { netFn, cmd, rqSeq, data }),
      (raw) => {
        const lan = this.openSessionResponse(session, raw);
        return lan && lan.rqSeq === rqSeq && lan.netFn === (netFn | 1) && lan.cmd === cmd ? lan : undefined;
      },
      attempts,
    );
    if (!response)
      throw new RmcpUnreachableError(
        `BMC ${this.bmc} did not answer netFn ${hex(netFn)} cmd ${hex(cmd)} after ${attempts} attempts`,
      );
    return { completionCode: response.completionCode, data: response.data };
  }

  private sessionPacket(session: ActiveSession, request: Parameters<typeof encodeLanRequest>[0]): Buffer {
    const sequence = this.outboundSequence;
    this.outboundSequence = (this.outboundSequence + 1) >>> 0 || 1;
    return encodeV20(
      {
        payloadType: PayloadType.ipmi,
        encrypted: true,
        sessionId: session.managedSessionId,
        sequence,
        payload: encryptPayload(session.keys.aesKey, encodeLanRequest(request)),
      },
      (covered) => packetAuthCode(session.keys, covered),
    );
  }

  /** Decodes an in-session response, or undefined for anything unsigned, forged, foreign or duplicated. */
  private openSessionResponse(session: ActiveSession, raw: Buffer): LanResponse | undefined {
    const packet = decodePacket(raw, session.keys.suite.truncatedLength);
    if (packet.version !== 2 || packet.payloadType !== PayloadType.ipmi) return undefined;
    if (packet.sessionId !== session.consoleSessionId || !packet.authenticated || !packet.encrypted) return undefined;
    if (!packet.covered || !packet.authCode) return undefined;
    if (!sameBytes(packet.authCode, packetAuthCode(session.keys, packet.covered))) return undefined;
    if (this.seenInbound.includes(packet.sequence)) return undefined;
    this.seenInbound.push(packet.sequence);
    if (this.seenInbound.length > 32) this.seenInbound.shift();
    return decodeLanResponse(decryptPayload(session.keys.aesKey, packet.payload));
  }

  /** A matcher for an unauthenticated session setup payload of one type. */
  private setupPayload<T>(type: number, accept: (payload: Buffer) => T | undefined): (raw: Buffer) => T | undefined {
    return (raw) => {
      const packet = decodePacket(raw);
      return packet.version === 2 && packet.payloadType === type ? accept(packet.payload) : undefined;
    };
  }

  /**
   * Transmits `build()` until `accept` takes an answer, waiting initialTimeoutMs, then twice as
   * long each time up to maxTimeoutMs, for `attempts` transmissions. Undefined when none was taken.
   */
  private exchange<T>(
    message: string,
    build: () => Buffer,
    accept: (packet: Buffer) => T | undefined,
    attempts = this.retry.attempts,
  ): Promise<T | undefined> {
    const { signal, trace } = this.options;
    const { initialTimeoutMs, maxTimeoutMs } = this.retry;
    const started = Date.now();
    return new Promise((resolve, reject) => {
      let sent = 0;
      let timer: NodeJS.Timeout | undefined;
      const finish = (settle: () => void, answered = false): void => {
        clearTimeout(timer);
        unlisten();
        signal?.removeEventListener('abort', onAbort);
        trace?.({ type: 'exchange', message, transmissions: sent, answered, ms: Date.now() - started });
        settle();
      };
      const unlisten = this.channel.listen((packet) => {
        let accepted: T | undefined;
        try {
          accepted = accept(packet);
        } catch {
          return; // malformed or foreign: keep waiting for the real answer
        }
        if (accepted !== undefined) finish(() => resolve(accepted), true);
      });
      const onAbort = (): void => finish(() => reject(signal?.reason));
      const transmit = (): void => {
        if (sent >= attempts) return finish(() => resolve(undefined));
        const timeout = Math.min(initialTimeoutMs * 2 ** sent, maxTimeoutMs);
        sent += 1;
        try {
          this.channel.send(build());
        } catch (err) {
          return finish(() => reject(err));
        }
        timer = setTimeout(transmit, timeout);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      transmit();
    });
  }

  private nextRequestSequence(): number {
    this.requestSequence = (this.requestSequence + 1) & 0x3f;
    return this.requestSequence;
  }

  private nextTag(): number {
    this.messageTag = (this.messageTag + 1) & 0xff;
    return this.messageTag;
  }
}
