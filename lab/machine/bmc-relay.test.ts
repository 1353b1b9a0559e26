import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { startBmcRelay, type BmcRelay } from './bmc-relay.js';

let echo: Socket | undefined;
let relay: BmcRelay | undefined;
afterEach(async () => {
  await relay?.close();
  echo?.close();
  relay = undefined;
  echo = undefined;
});

async function startEcho(): Promise<number> {
  const socket = createSocket('udp4');
  echo = socket;
  socket.on('message', (msg, from) => socket.send(Buffer.concat([Buffer.from('re:'), msg]), from.port, from.address));
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return socket.address().port;
}

async function ask(port: number, address: string, text: string, timeoutMs = 300): Promise<string | null> {
  const client = createSocket('udp4');
  try {
    client.bind(0, '127.0.0.1');
    await once(client, 'listening');
    const reply = once(client, 'message').then(([msg]) => (msg as Buffer).toString());
    client.send(text, port, address);
    return await Promise.race([reply, new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs))]);
  } finally {
    client.close();
  }
}

describe('BMC relay', () => {
  it('relays datagrams both ways from its own loopback address to the simulator', async () => {
    const targetPort = await startEcho();
    relay = await startBmcRelay({ address: '127.20.0.250', port: 0, targetPort });
    expect(relay.address).toBe('127.20.0.250');
    expect(await ask(relay.port, '127.20.0.250', 'ping')).toBe('re:ping');
  });

  it('drops packets at the configured rate, which can change while it runs', async () => {
    const targetPort = await startEcho();
    let rate = 1;
    relay = await startBmcRelay({ address: '127.20.0.251', port: 0, targetPort, dropRate: () => rate });
    expect(await ask(relay.port, '127.20.0.251', 'lost')).toBeNull();
    expect(relay.dropped).toBe(1);
    rate = 0;
    expect(await ask(relay.port, '127.20.0.251', 'found')).toBe('re:found');
  });

  it('refuses a non-loopback address', async () => {
    await expect(startBmcRelay({ address: '10.0.0.5', targetPort: 1 })).rejects.toThrow(/non-loopback/);
  });
});
