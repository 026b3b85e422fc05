// A peer of `keyport connect` in bench/connect.ts: node:tls (OpenSSL inside Node) with the key as a
// file, stdin to the server, the server's bytes to stdout until the server closes (stdin's end is
// not passed on: nginx takes it as the client leaving). Args: PORT CA CERT KEY SUITE.
const tls = require('node:tls');
const fs = require('node:fs');
const [port, ca, cert, key, suite] = process.argv.slice(2);
const socket = tls.connect({
  host: '127.0.0.1',
  port: Number(port),
  servername: 'localhost',
  ca: fs.readFileSync(ca),
  cert: fs.readFileSync(cert),
  key: fs.readFileSync(key),
  minVersion: 'TLSv1.3',
  ciphersuites: suite,
  allowHalfOpen: true,
});
// Blocking writes to the stdout pipe, as `keyport connect` and curl make them (see src/cli/commands/tls.ts).
process.stdout._handle?.setBlocking?.(true);
socket.once('secureConnect', () => process.stdin.pipe(socket, { end: false }));
socket.once('end', () => socket.end());
socket.pipe(process.stdout);
socket.once('error', (e) => {
  process.stderr.write(`node-tls-get: ${e.message}\n`);
  process.exitCode = 1;
});
