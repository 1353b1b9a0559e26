// `BENCH_DB_PROFILE=1`: where the database time of a run goes. Every MongoClient this process
// connects (the API's and the worker's) reports its commands; the table sums them per command and
// collection, so a query whose cost grows with a collection shows up by name.
import { MongoClient, type CommandStartedEvent } from 'mongodb';

interface Tally {
  count: number;
  totalMs: number;
  maxMs: number;
}

const tallies = new Map<string, Tally>();
const pending = new Map<number, string>();

function keyOf(event: CommandStartedEvent): string {
  const collection = event.command[event.commandName];
  return `${event.commandName} ${typeof collection === 'string' ? collection : ''}`.trim();
}

/** Makes every MongoClient connected from now on in this process report its commands. */
export function profileDatabase(): void {
  const connect = MongoClient.prototype.connect;
  MongoClient.prototype.connect = function patchedConnect(this: MongoClient) {
    // `monitorCommands` is a MongoClient accessor the driver's typings leave out.
    const client = this as MongoClient & { monitorCommands: boolean };
    if (!client.monitorCommands) {
      client.monitorCommands = true;
      this.on('commandStarted', (e) => pending.set(e.requestId, keyOf(e)));
      const done = (e: { requestId: number; duration: number }) => {
        const key = pending.get(e.requestId);
        pending.delete(e.requestId);
        if (!key) return;
        const tally = tallies.get(key) ?? { count: 0, totalMs: 0, maxMs: 0 };
        tally.count += 1;
        tally.totalMs += e.duration;
        tally.maxMs = Math.max(tally.maxMs, e.duration);
        tallies.set(key, tally);
      };
      this.on('commandSucceeded', done);
      this.on('commandFailed', done);
    }
    return connect.call(this);
  } as typeof connect;
}

/** Prints the commands since the last call, most total time first, and starts a new tally. */
export function printDatabaseProfile(title: string, top = Number(process.env.BENCH_DB_PROFILE_TOP ?? 15)): void {
  const rows = [...tallies.entries()].sort((a, b) => b[1].totalMs - a[1].totalMs).slice(0, top);
  const total = [...tallies.values()].reduce((sum, t) => sum + t.totalMs, 0);
  console.log(`\n${title}: database commands, ${Math.round(total)} ms in all (client-side latency, overlapping)`);
  for (const [key, t] of rows)
    console.log(
      `  ${key.padEnd(40)} ${String(t.count).padStart(7)} × ${(t.totalMs / t.count).toFixed(1).padStart(7)} ms avg, max ${Math.round(t.maxMs)} ms, ${Math.round(t.totalMs)} ms total`,
    );
  tallies.clear();
}
