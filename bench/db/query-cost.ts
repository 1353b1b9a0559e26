// `npm run bench:db`: what the data layer's query shapes cost on the database in use as a
// collection grows (FerretDB over SQLite unless MONGODB_URI is set). FerretDB 1.x pushes only
// `_id` filters down to its store; anything else decodes every document in Go, so a query's cost
// grows with its collection. This is why hot queries are `_id` lookups or go to small collections
// (the job queue, see db/agent-job-repository.ts). Not a test: it measures and prints.
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { startDevServices } from '../../tools/devservices/index.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 20);
const sizes = (process.env.BENCH_DOCS ?? '100,1000,5000').split(',').map(Number);

const services = await startDevServices({ say: () => undefined });
const client = await MongoClient.connect(services.mongoUri);
const db = client.db(`bench_query_cost_${Date.now()}`);
// Job documents shaped like agent_jobs' (task token, payload, log lines), all finished.
const jobs = db.collection<{ _id: string; siteId: string; state: string; createdAt: Date }>('jobs');
await jobs.createIndex({ siteId: 1, state: 1, createdAt: 1 });
// The queue next to them: only what is waiting, a handful of small entries.
const queue = db.collection<{ _id: string; siteId: string; createdAt: Date }>('queue');
await queue.createIndex({ siteId: 1, createdAt: 1 });
await queue.insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: `q_${i}`, siteId: 's1', createdAt: new Date() })));

async function time(f: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < rounds; i++) await f();
  return (performance.now() - start) / rounds;
}

const shapes: [string, () => Promise<unknown>][] = [
  ['findOne {_id}', () => jobs.findOne({ _id: 'job_7' })],
  ['findOne {_id, siteId}', () => jobs.findOne({ _id: 'job_7', siteId: 's1' })],
  [
    'findOneAndUpdate {_id, state} (a guarded claim)',
    () => jobs.findOneAndUpdate({ _id: 'job_7', state: 'done' }, { $set: { x: 1 } }),
  ],
  [
    'find {siteId, state} sort createdAt limit 10 (poll agent_jobs)',
    () => jobs.find({ siteId: 's1', state: 'queued' }).sort({ createdAt: 1 }).limit(10).toArray(),
  ],
  [
    'find {siteId} sort createdAt limit 10 (poll the queue of 10)',
    () => queue.find({ siteId: 's1' }).sort({ createdAt: 1 }).limit(10).toArray(),
  ],
];

const header = ['query shape', ...sizes.map((n) => `${n} jobs`)];
const table = shapes.map(([name]) => [name]);
let inserted = 0;
for (const size of sizes) {
  const docs = [];
  for (; inserted < size; inserted++)
    docs.push({
      _id: `job_${inserted}`,
      siteId: 's1',
      state: 'done',
      taskToken: randomBytes(600).toString('base64'),
      payload: { assetId: `asset_${inserted}`, config: 'y'.repeat(300) },
      logs: Array.from({ length: 20 }, (_, i) => `line ${i} ${'x'.repeat(60)}`),
      createdAt: new Date(),
    });
  if (docs.length > 0) await jobs.insertMany(docs);
  for (const [i, [, run]] of shapes.entries()) table[i]!.push(`${(await time(run)).toFixed(2)} ms`);
}

console.log(`\n${services.description[0]}; mean of ${rounds} sequential calls\n`);
console.log(`| ${header.join(' | ')} |\n|---|${sizes.map(() => '---:').join('|')}|`);
for (const row of table) console.log(`| ${row.join(' | ')} |`);
await db.dropDatabase();
await client.close();
await services.stop();
