import { loadavg } from 'node:os';
/** The environment every bench runs its API and worker with: the dev servers, quiet logs, no rate limit in the way. */
export function benchEnv(services: { mongoUri: string; temporalAddress: string }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    MONGODB_URI: services.mongoUri,
    TEMPORAL_ADDRESS: services.temporalAddress,
    RACKPILOT_DEV_MODE: 'true',
    RACKPILOT_LOG_LEVEL: 'error',
    RACKPILOT_API_PORT: '0',
    RACKPILOT_RATE_LIMIT_PER_MINUTE: '1000000',
    RACKPILOT_RATE_LIMIT_PER_HOUR: '10000000',
  };
}

/** Prints the figures as a Markdown table (first column right-aligned like the rest), then stops the stack and exits. */
export async function endBench(
  header: string[],
  rows: string[],
  stack: { worker: { stop(): Promise<void> }; api: { stop(): Promise<void> }; services: { stop(): Promise<void> } },
): Promise<never> {
  console.log(['', `| ${header.join(' | ')} |`, `|${header.map(() => '---:').join('|')}|`, ...rows].join('\n'));
  await stack.worker.stop();
  await stack.api.stop();
  await stack.services.stop();
  process.exit(0);
}

/**
 * Whether the machine was too busy for ratios to mean anything: at a 1-minute load average of 3 or
 * more on these 2-vCPU machines every target runs at the same few hundred requests per second, and
 * a ratio of two such figures measures the neighbours, not the code (issue 21).
 */
export const BUSY_LOAD = 3;

/** The 1-minute load average now, and whether it is at or above {@link BUSY_LOAD}. */
export function machineLoad(): { load1: number; busy: boolean } {
  const load1 = loadavg()[0] ?? 0;
  return { load1, busy: load1 >= BUSY_LOAD };
}
