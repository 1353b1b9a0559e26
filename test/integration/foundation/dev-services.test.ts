import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, temporalAddress, uniqueName } from '../../support/services.js';
import { createStampActivities } from './fixtures/stamp-activities.js';

describe('the real MongoDB-protocol server', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    database = await freshDatabase('foundation');
  });
  afterAll(async () => database.close());

  it('reads back a document after a state-guarded findOneAndUpdate', async () => {
    const assets = database.db.collection<{ _id: string; state: string; version: number }>('assets');
    await assets.insertOne({ _id: 'asset-1', state: 'available', version: 1 });

    const claim = () =>
      assets.findOneAndUpdate(
        { _id: 'asset-1', state: 'available', version: 1 },
        { $set: { state: 'provisioning' }, $inc: { version: 1 } },
        { returnDocument: 'after' },
      );
    // Sequential on purpose: FerretDB does not isolate concurrent updates (db/claim-once.ts).
    expect(await claim()).toMatchObject({ state: 'provisioning', version: 2 });
    expect(await claim()).toBeNull();
    expect(await assets.findOne({ _id: 'asset-1' })).toEqual({ _id: 'asset-1', state: 'provisioning', version: 2 });
  });
});

describe('the real Temporal server', () => {
  it('runs a workflow whose activity executes on a real worker', async () => {
    const taskQueue = uniqueName('foundation');
    const nativeConnection = await NativeConnection.connect({ address: temporalAddress() });
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('./fixtures/stamp-workflow.ts', import.meta.url)),
      activities: createStampActivities({ prefix: 'rackpilot' }),
    });
    const connection = await Connection.connect({ address: temporalAddress() });
    const client = new Client({ connection });
    try {
      const result = await worker.runUntil(
        client.workflow.execute('stampWorkflow', { taskQueue, workflowId: uniqueName('stamp'), args: ['rack-7'] }),
      );
      expect(result).toBe('workflow saw: rackpilot:rack-7');
    } finally {
      await connection.close();
      await nativeConnection.close();
    }
  });
});
