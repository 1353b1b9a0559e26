import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

describe('the cuttable loopback TCP proxy', () => {
  let target: Server;
  let proxy: TcpProxy;

  beforeAll(async () => {
    target = createServer((_req, res) => res.end('pong'));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    proxy = await startTcpProxy({ host: '127.0.0.1', port: (target.address() as AddressInfo).port });
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise((resolve) => target.close(resolve));
  });

  it('forwards, refuses connections while cut, and forwards again on the same port once restored', async () => {
    expect(await (await fetch(proxy.url)).text()).toBe('pong');
    await proxy.cutOff();
    await expect(fetch(proxy.url)).rejects.toThrow();
    await proxy.restore();
    expect(await (await fetch(proxy.url)).text()).toBe('pong');
  });

  it('refuses a target off loopback', async () => {
    await expect(startTcpProxy({ host: '10.0.0.1', port: 80 })).rejects.toThrow(/non-loopback/);
  });
});
