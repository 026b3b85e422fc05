// Runs inside a private network namespace (see test/testbed/tls-servers/netns.ts): starts a
// server that listens on every address of that namespace, and forwards connections that
// arrive on a Unix socket (the only way in) to its port on the namespace's loopback.
// Usage: node netns-bridge.mjs SOCKET_PATH PORT -- COMMAND [ARG...]
import { spawn } from 'node:child_process';
import net from 'node:net';

const [socketPath, portText, separator, command, ...args] = process.argv.slice(2);
const port = Number(portText);
if (!socketPath || !Number.isInteger(port) || separator !== '--' || !command) {
  process.stderr.write('usage: node netns-bridge.mjs SOCKET_PATH PORT -- COMMAND [ARG...]\n');
  process.exit(2);
}

const server = spawn(command, args, { stdio: 'inherit' });
server.on('error', (error) => {
  process.stderr.write(`netns-bridge: cannot start ${command}: ${error.message}\n`);
  process.exit(127);
});
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));

const bridge = net.createServer({ allowHalfOpen: true }, (outer) => {
  const inner = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  outer.pipe(inner).on('error', () => outer.destroy());
  inner.pipe(outer).on('error', () => inner.destroy());
  outer.on('error', () => inner.destroy());
  inner.on('error', () => outer.destroy());
  outer.on('close', () => inner.destroy());
  inner.on('close', () => outer.destroy());
});
bridge.listen(socketPath, () => process.stderr.write('netns-bridge: ready\n'));
process.on('SIGTERM', () => {
  server.kill('SIGTERM');
  process.exit(143);
});
