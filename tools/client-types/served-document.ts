import type { AddressInfo } from 'node:net';
import { MongoClient } from 'mongodb';
import { createApp } from '../../api/app.js';
import { loadApiConfig } from '../../api/config.js';
import { createContainer } from '../../api/container.js';
import { fetchOpenApiDocument, type OpenApiDocument } from '../../client/openapi-document.js';
import { createLogger } from '../../shared/logger.js';

/**
 * Serves the API in this process, over a database it never connects to (building the routes and
 * answering the document touch no collection), on a loopback port 0, and fetches its document
 * over HTTP. This is the document `npm run client:generate` uses when no `--url` is given; the
 * drift test compares against a real API over real servers.
 */
export async function servedDocumentInProcess(): Promise<OpenApiDocument> {
  const config = loadApiConfig({
    MONGODB_URI: 'mongodb://127.0.0.1:9/',
    TEMPORAL_ADDRESS: '127.0.0.1:9',
    RACKPILOT_MASTER_KEY: Buffer.alloc(32, 1).toString('base64'),
  });
  const client = new MongoClient(config.mongoUri, { serverSelectionTimeoutMS: 1_000 });
  const container = createContainer({
    config,
    log: createLogger('api', { level: 'silent' }),
    db: client.db('unused'),
    closeDatabase: () => client.close(),
  });
  const server = createApp(container).listen(0, '127.0.0.1');
  try {
    await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
    const { port } = server.address() as AddressInfo;
    return await fetchOpenApiDocument(`http://127.0.0.1:${port}`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await container.close();
  }
}
