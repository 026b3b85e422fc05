// The Node `tls` peer of Keyport's interop test bed: a TLS echo server on 127.0.0.1 that
// requires and verifies a client certificate. Prints JSON lines on stdout, like go-echo:
// {"event":"listening","port":N}, then {"event":"verified",...} per verified connection
// and {"event":"rejected","error":...} per refused handshake.
// Usage: node node-echo.mjs --version TLSv1.3 --cert F --key F --client-ca F [--groups a,b] [--alpn a,b]
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    version: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    'client-ca': { type: 'string' },
    groups: { type: 'string', default: '' },
    alpn: { type: 'string', default: '' },
  },
});
if (values.version !== 'TLSv1.2' && values.version !== 'TLSv1.3') {
  process.stderr.write('node-echo: --version must be TLSv1.2 or TLSv1.3\n');
  process.exit(2);
}

const emit = (event) => process.stdout.write(JSON.stringify(event) + '\n');

const server = tls.createServer({
  cert: readFileSync(values.cert),
  key: readFileSync(values.key),
  ca: readFileSync(values['client-ca']),
  requestCert: true,
  rejectUnauthorized: true,
  minVersion: values.version,
  maxVersion: values.version,
  ...(values.groups ? { ecdhCurve: values.groups.split(',').join(':') } : {}),
  ...(values.alpn ? { ALPNProtocols: values.alpn.split(',') } : {}),
});

server.on('secureConnection', (socket) => {
  const leaf = new X509Certificate(socket.getPeerCertificate().raw);
  emit({
    event: 'verified',
    // Node lists RDNs root-first, one per line; RFC 4514 puts the most specific first.
    subject: leaf.subject.split('\n').reverse().join(','),
    fingerprintSha256: createHash('sha256').update(leaf.raw).digest('hex'),
    version: socket.getProtocol(),
    cipher: socket.getCipher().name,
    alpn: socket.alpnProtocol || '',
  });
  socket.on('error', (error) => emit({ event: 'closed', error: error.message }));
  socket.pipe(socket);
});
server.on('tlsClientError', (error) => emit({ event: 'rejected', error: error.message.trim() }));
server.listen(0, '127.0.0.1', () => emit({ event: 'listening', port: server.address().port }));
