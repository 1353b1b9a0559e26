/**
 * The lab's end of sushy's fake-driver notifications: an HTTP receiver on 127.0.0.1 taking the PUTs
 * of the whole system JSON, and the read that makes a pending power change happen. The fake
 * driver applies a power request only when the system is read after its apply time; without that
 * read a Reset would never take effect unless someone polled.
 */
import { createServer, type Server } from 'node:http';
import type { PowerTracker } from './sushy-power.js';

/** A running receiver. */
export interface NotificationReceiver {
  /** Where sushy's `EXTERNAL_NOTIFICATION_URL` points. */
  url: string;
  close(): Promise<void>;
}

/** Starts the receiver; `onBody` gets each PUT's parsed JSON body. */
export async function startNotificationReceiver(onBody: (body: unknown) => void): Promise<NotificationReceiver> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // Answer at once: sushy sends the notification inside the request that caused it, and waits.
      res.writeHead(204).end();
      if (req.method !== 'PUT') return;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return; // not a notification
      }
      onBody(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('notification receiver has no TCP address');
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${address.port}/notify`,
    close: () => (closing ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}

/**
 * Reads the system once the tracker's pending power change falls due (sushy applies it on that
 * read and notifies again), and again every half second while it stays pending (the BMC was
 * frozen, or the clock was a little behind).
 */
export class PendingPowerApplier {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly tracker: PowerTracker,
    private readonly readSystem: () => Promise<unknown>,
  ) {}

  /** Call after every notification: (re)arms the read for the pending change, or disarms it. */
  schedule(delayMs?: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const pending = this.tracker.state().pendingPower;
    if (!pending || this.closed) return;
    // sushy compares whole seconds against time.time(): a little margin past the due time.
    const wait = delayMs ?? Math.max(0, pending.applyAt - Date.now()) + 150;
    this.timer = setTimeout(() => {
      void this.readSystem()
        .catch(() => undefined)
        .then(() => this.schedule(500));
    }, wait);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }
}
