// A peer of `keyport proxy` in bench/proxy.ts: a relay on node:tls (OpenSSL inside Node) with the
// key as a file, one service per LISTEN=UPSTREAM argument, TLS 1.3 session tickets reused per
// service, half-close passed on. What a proxy written on Node's own TLS costs on this machine.
// Args: CA CERT KEY SUITE LISTEN=UPSTREAM...
const fs = require('node:fs');
const net = require('node:net');
const tls = require('node:tls');
const [ca, cert, key, suite, ...services] = process.argv.slice(2);
const secureContext = tls.createSecureContext({ ca: fs.readFileSync(ca), cert: fs.readFileSync(cert), key: fs.readFileSync(key), minVersion: 'TLSv1.3', ciphersuites: suite });

for (const service of services) {
  const [listen, upstream] = service.split('=').map(Number);
  let session;
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const up = tls.connect({ host: '127.0.0.1', port: upstream, servername: 'localhost', secureContext, session, allowHalfOpen: true, noDelay: true });
    up.on('session', (s) => (session = s));
    client.pipe(up);
    up.pipe(client);
    client.on('error', () => up.destroy());
    up.on('error', () => client.destroy());
  });
  server.listen(listen, '127.0.0.1');
}
