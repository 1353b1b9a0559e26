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
