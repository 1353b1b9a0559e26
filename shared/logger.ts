import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths redacted from every log line. Secrets must never reach logs even when a whole request,
 * job or config object is logged by mistake.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  '*.key',
  '*.secretHash',
  '*.previousSecretHash',
  '*.password',
  '*.secret',
  '*.token',
  '*.apiKey',
  '*.masterKey',
  '*.privateKey',
  '*.kubeconfig',
  '*.credentials',
  'password',
  'secret',
  'token',
  'apiKey',
  'masterKey',
  'credentials',
];

/** Creates the JSON logger of one component (`api`, `worker`, `agent`, `devservices`, ...). */
export function createLogger(
  component: string,
  options: { level?: string; destination?: pino.DestinationStream } & LoggerOptions = {},
): Logger {
  const { destination, ...rest } = options;
  const opts: LoggerOptions = {
    level: options.level ?? 'info',
    base: { component },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...rest,
  };
  return destination ? pino(opts, destination) : pino(opts);
}
