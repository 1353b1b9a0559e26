import type { TestProject } from 'vitest/node';
import { startDevServices, type DevServices } from '../../tools/devservices/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
    temporalAddress: string;
  }
}

let services: DevServices | undefined;

/** Starts one real MongoDB-protocol server and one real Temporal server for the whole integration run. */
export async function setup(project: TestProject): Promise<void> {
  services = await startDevServices({ say: (line) => process.stderr.write(`${line}\n`) });
  project.provide('mongoUri', services.mongoUri);
  project.provide('temporalAddress', services.temporalAddress);
}

export async function teardown(): Promise<void> {
  await services?.stop();
}
