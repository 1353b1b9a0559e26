/**
 * `npm run client:generate [-- --url http://127.0.0.1:8080]`: writes client/openapi-types.ts from
 * the document a running API serves, or (no `--url`) from the API served in this process.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { generateTypes, TYPES_FILE } from './generate-types.js';
import { fetchOpenApiDocument } from '../../client/openapi-document.js';
import { servedDocumentInProcess } from './served-document.js';

const { values } = parseArgs({ options: { url: { type: 'string' } } });
const document = values.url ? await fetchOpenApiDocument(values.url) : await servedDocumentInProcess();
await writeFile(TYPES_FILE, await generateTypes(document));
console.log(`wrote ${TYPES_FILE}`);
