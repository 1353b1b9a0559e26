// Runs one autocannon measurement in its own process (so the API process's CPU time is the
// server's alone) and prints the result as one JSON line. Driven by auth-overhead.ts.
import autocannon from 'autocannon';

const { url, connections, seconds, keys } = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  connections: number;
  seconds: number;
  keys: string[];
};
const requests = keys.map((key) => ({ method: 'GET' as const, headers: { authorization: `Bearer ${key}` } }));
const result = await autocannon({ url, connections, duration: seconds, ...(requests.length > 0 ? { requests } : {}) });
process.stdout.write(
  `${JSON.stringify({ rps: result.requests.average, total: result.requests.total, p99: result.latency.p99, non2xx: result.non2xx + result.errors })}\n`,
);
