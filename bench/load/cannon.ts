// One autocannon run in its own process, so the API process's CPU time is the server's alone.
// Driven by run-target.ts: the argument is a JSON `CannonRequest`; it prints `{"started":true}`
// when the connections are up (the parent starts its CPU sample there), then one JSON
// `CannonResult` line.
import autocannon from 'autocannon';

/** What one run loads: `paths` taken in turn (spread over the connections), each with `headers`. */
export interface CannonRequest {
  origin: string;
  paths: string[];
  headers: Record<string, string>;
  connections: number;
  seconds: number;
}

/** What one run measured. Latencies in ms. */
export interface CannonResult {
  rps: number;
  total: number;
  p50: number;
  p99: number;
  /** Non-2xx answers plus connection errors other than timeouts. */
  non2xx: number;
  /** Requests without an answer within autocannon's 10 s timeout. */
  timeouts: number;
  /** Requests sent, and answered (any status) before the run ended: the rest were still in flight. */
  sent: number;
  answered: number;
  /** Answers that took 1 s or more: the workflow poll's live query gives up at 1 s and answers from the index. */
  slow: number;
}

const request = JSON.parse(process.argv[2] ?? '{}') as CannonRequest;
let next = 0;
let slow = 0;
let answered = 0;
const instance = autocannon(
  {
    url: request.origin,
    connections: request.connections,
    duration: request.seconds,
    headers: request.headers,
    requests: [
      {
        method: 'GET',
        // Each request takes the next path: every connection walks the whole set, out of step with the others.
        setupRequest: (req) => ({ ...req, path: request.paths[next++ % request.paths.length] }),
      },
    ],
  },
  (err: unknown, result: autocannon.Result) => {
    if (err) throw err;
    const out: CannonResult = {
      rps: result.requests.average,
      total: result.requests.total,
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx + result.errors - result.timeouts,
      timeouts: result.timeouts,
      // Counted by autocannon (its result has it; @types/autocannon does not list it).
      sent: (result.requests as autocannon.Histogram & { sent?: number }).sent ?? next,
      answered,
      slow,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  },
);
instance.on('start', () => process.stdout.write(`${JSON.stringify({ started: true })}\n`));
instance.on('response', (_client, _status, _bytes, responseTime) => {
  answered += 1;
  if (responseTime >= 1_000) slow += 1;
});
