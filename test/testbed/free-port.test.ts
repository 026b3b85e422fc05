// Bug: a proxy test in CI got KEYPORT_PROXY_PORT_IN_USE for a port freePort() had just found free.
// listen(0) picks from the kernel's ephemeral range, and outgoing connections of the tests running
// beside it (the load test makes thousands) take their local ports from the same range.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ephemeralPorts, freePort, freePortPair } from './proc.js';

describe('freePort', () => {
  it('never hands out a port that an outgoing connection could take (ephemeral range)', async () => {
    const [low, high] = ephemeralPorts();
    expect(low).toBeGreaterThan(1024);
    for (let i = 0; i < 50; i++) {
      const port = await freePort();
      expect(port < low || port > high, `port ${port} is in the ephemeral range ${low}-${high}`).toBe(true);
    }
  });

  it('hands out ports a server can listen on at once, and a pair of consecutive ones', async () => {
    for (const port of [await freePort(), await freePortPair()]) {
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
