#!/usr/bin/env node
// The `rackpilot` binary (package.json `bin`): runs the TypeScript CLI through tsx, so
// `npx rackpilot …` works in a clone without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
await main();
