// `tsx api/cli/bootstrap.ts --name "Acme" [--force-new-org]`: creates the first organization and
// its admin API key, and prints the key once. Refuses when an admin key already exists.
import { parseArgs } from 'node:util';
import { ConflictError } from '../../shared/errors.js';
import { createLogger } from '../../shared/logger.js';
import { loadApiConfig } from '../config.js';
import { openContainer } from '../container.js';
import { bootstrapOrganization } from '../services/bootstrap.js';

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    'force-new-org': { type: 'boolean', default: false },
    help: { type: 'boolean' },
  },
});
if (values.help || !values.name) {
  process.stderr.write('usage: bootstrap --name <organization name> [--force-new-org]\n');
  process.exit(values.help ? 0 : 2);
}

const config = loadApiConfig();
const log = createLogger('bootstrap', { level: 'warn' });
const container = await openContainer(config, log);
try {
  const result = await bootstrapOrganization(container, {
    name: values.name,
    allowAdditional: values['force-new-org'],
  });
  process.stdout.write(
    `Organization ${result.organization.name} (${result.organization.id}) created.\n` +
      `Admin API key (shown once, store it now):\n\n  ${result.apiKey}\n\n`,
  );
} catch (err) {
  if (!(err instanceof ConflictError)) throw err;
  process.stderr.write(`${err.message}. Use --force-new-org to create another organization.\n`);
  process.exitCode = 1;
} finally {
  await container.close();
}
