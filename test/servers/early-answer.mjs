// An https server (Node's, requiring a client certificate) that answers every request at once with
// 413 and closes, without reading the body: the "early answer to an upload" peer of
// test/tls/early-answer.test.ts. Its own process, so that its close and our writes race as they do
// between machines. --mode close-notify: res.end() with Connection: close (close_notify and FIN, then
// a reset as the upload keeps arriving); --mode vanish: the answer written raw, then the socket
// destroyed (a reset, no close_notify). Prints {"event":"listening","port":N}.
// Usage: node early-answer.mjs --mode M --version V --cert F --key F --client-ca F
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { mode: { type: 'string' }, version: { type: 'string' }, cert: { type: 'string' }, key: { type: 'string' }, 'client-ca': { type: 'string' } },
});
const ANSWER = 'HTTP/1.1 413 Payload Too Large\r\nconnection: close\r\ncontent-length: 9\r\n\r\ntoo big\r\n';
const answer = {
  'close-notify': (res) => res.writeHead(413, { connection: 'close', 'content-length': 9 }).end('too big\r\n'),
  vanish: (res) => res.socket.write(ANSWER, () => res.socket.destroy()),
}[values.mode];
if (!answer) {
  process.stderr.write('early-answer: --mode must be close-notify or vanish\n');
  process.exit(2);
}
const server = https.createServer(
  { cert: readFileSync(values.cert), key: readFileSync(values.key), ca: readFileSync(values['client-ca']), requestCert: true, rejectUnauthorized: true, minVersion: values.version, maxVersion: values.version },
  (_req, res) => answer(res),
);
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ event: 'listening', port: server.address().port })}\n`));
