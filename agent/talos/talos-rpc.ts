import * as grpc from '@grpc/grpc-js';
import { toTalosError } from './grpc-errors.js';
import { createTalosChannelCredentials, type TalosIdentity } from './talos-credentials.js';
import { TalosError, TalosErrorCodes } from './talos-errors.js';
import { loadMachineService, type DataChunk } from './talos-proto.js';
import { probeTlsRejection } from './tls-probe.js';

/**
 * The transport under the Talos client: one gRPC channel to one node over mutual TLS, calls
 * with deadlines and the `node` metadata, failures classified into `TalosError`.
 */

/** Options of {@link createTalosRpc}. */
export interface TalosRpcOptions extends TalosIdentity {
  endpoint: string;
  node?: string;
  callTimeoutMs: number;
}

/** Raw calls of `machine.MachineService`. */
export interface TalosRpc {
  /** A unary call; `limit` (epoch ms) caps the per-call deadline. */
  unary<Res>(method: string, request: unknown, limit?: number): Promise<Res>;
  /** A server-streaming call of `common.Data`; resolves with the concatenated bytes once the status is OK. */
  collectData(method: string, request: unknown): Promise<Buffer>;
  close(): void;
}

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // grpc-js backs off up to 120 s between reconnects by default; a booting node must be seen quickly.
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 2_000,
};

const PLAIN_NETWORK_FAILURE = /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET/;

/** Opens a channel to one Talos node (lazily: nothing connects before the first call). */
export function createTalosRpc(options: TalosRpcOptions): TalosRpc {
  const { service } = loadMachineService();
  const client = new grpc.Client(options.endpoint, createTalosChannelCredentials(options), CHANNEL_OPTIONS);

  const metadata = (): grpc.Metadata => {
    const md = new grpc.Metadata();
    if (options.node) md.set('node', options.node);
    return md;
  };
  const deadline = (limit?: number): Date => new Date(Math.min(Date.now() + options.callTimeoutMs, limit ?? Infinity));
  const definition = (method: string): grpc.MethodDefinition<unknown, unknown> => {
    const def = service[method];
    if (!def) throw new Error(`machine.MachineService has no method ${method}`);
    return def;
  };

  /** Maps a failure; an UNAVAILABLE that is not a plain network error is probed for a refused certificate. */
  async function classify(err: unknown, method: string): Promise<TalosError> {
    const error = toTalosError(err, method, options.endpoint);
    const grpcDetails = (error.details as { grpcDetails?: string } | undefined)?.grpcDetails ?? '';
    if (error.code !== TalosErrorCodes.Unreachable || error.grpcCode !== grpc.status.UNAVAILABLE) return error;
    if (PLAIN_NETWORK_FAILURE.test(grpcDetails)) return error;
    const probe = await probeTlsRejection(options.endpoint, options);
    if (!probe.rejected) return error;
    const message = `Talos ${method} on ${options.endpoint}: mutual TLS failed (${probe.reason})`;
    return new TalosError(TalosErrorCodes.AuthFailed, message, {
      grpcCode: error.grpcCode,
      cause: err,
      details: error.details,
    });
  }

  return {
    unary<Res>(method: string, request: unknown, limit?: number): Promise<Res> {
      const def = definition(method);
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          def.path,
          def.requestSerialize,
          def.responseDeserialize,
          request,
          metadata(),
          { deadline: deadline(limit) },
          (err: grpc.ServiceError | null, response?: unknown) => {
            if (err) void classify(err, method).then(reject, reject);
            else resolve(response as Res);
          },
        );
      });
    },

    collectData(method: string, request: unknown): Promise<Buffer> {
      const def = definition(method);
      return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        const stream = client.makeServerStreamRequest(
          def.path,
          def.requestSerialize,
          def.responseDeserialize,
          request,
          metadata(),
          { deadline: deadline() },
        );
        stream.on('data', (chunk: DataChunk) => {
          if (chunk.metadata?.error) {
            stream.cancel();
            const message = `Talos ${method} via ${options.endpoint} failed on the node: ${chunk.metadata.error}`;
            reject(new TalosError(TalosErrorCodes.RpcFailed, message));
            return;
          }
          chunks.push(chunk.bytes);
        });
        stream.on('error', (err: unknown) => void classify(err, method).then(reject, reject));
        // 'end' also follows a failed status; only an OK status means the stream is complete.
        stream.on('status', (status: grpc.StatusObject) => {
          if (status.code === grpc.status.OK) resolve(Buffer.concat(chunks));
        });
      });
    },

    close: () => client.close(),
  };
}
