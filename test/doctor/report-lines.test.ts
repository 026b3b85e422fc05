/**
 * The parts of a report that are pure text: the reproduce lines (shell-quoted, curl through a
 * Keyport proxy route when the key is in the keychain or on a token, --connect-to for a
 * servername) and the readable report (cards in colour on a terminal only).
 */
import { describe, expect, it } from 'vitest';
import { reproduceLines } from '../../src/core/probe/reproduce';
import { paintFor, reportText } from '../../src/cli/report-text';
import type { ProbeReport } from '../../src/shared/probe-report';

describe('reproduce lines', () => {
  const base = { host: '10.0.0.5', port: 8443, path: '/v1/items?x=1', caFiles: ['/etc/ca root.pem'], method: 'POST', headers: { 'x-trace': "it's" } };

  it('without an identity: plain curl, --connect-to for the servername, shell-quoted', () => {
    const r = reproduceLines({ ...base, servername: 'api.internal' });
    expect(r.curl).toBe(`curl -v --cacert '/etc/ca root.pem' --connect-to api.internal:8443:10.0.0.5:8443 -X POST -H 'x-trace: it'\\''s' 'https://api.internal:8443/v1/items?x=1'`);
    expect(r.openssl).toBe(`openssl s_client -connect 10.0.0.5:8443 -servername api.internal -CAfile '/etc/ca root.pem' -showcerts -state`);
    expect(r.proxy).toBeUndefined();
  });

  it('a keychain key: curl goes through a proxy route; openssl cannot use the key, and the note says so', () => {
    const r = reproduceLines({ ...base, identity: { id: 'k1', store: { kind: 'keychain' } } });
    expect(r.proxy).toBe(`keyport proxy --route '127.0.0.1:18443=10.0.0.5:8443,identity=k1,ca=/etc/ca root.pem'`);
    expect(r.curl).toBe(`curl -v -H 'Host: 10.0.0.5:8443' -X POST -H 'x-trace: it'\\''s' 'http://127.0.0.1:18443/v1/items?x=1'`);
    expect(r.note).toMatch(/cannot use a key in the OS keychain/);
  });

  it('regression: for an upstream on 127.0.0.1:18443 the suggested route listened on that same port (in use); now on 18444', () => {
    const r = reproduceLines({ ...base, host: '127.0.0.1', port: 18443, identity: { id: 'k1', store: { kind: 'keychain' } } });
    expect(r.proxy).toBe(`keyport proxy --route '127.0.0.1:18444=127.0.0.1:18443,identity=k1,ca=/etc/ca root.pem'`);
    expect(r.curl).toMatch(/ 'http:\/\/127\.0\.0\.1:18444\/v1\/items\?x=1'$/);
  });

  it('a token key: openssl through the pkcs11 engine, curl through the proxy', () => {
    const r = reproduceLines({ ...base, identity: { id: 'k2', store: { kind: 'pkcs11', module: '/usr/lib/softhsm/libsofthsm2.so', token: 'my token' } } });
    expect(r.openssl).toMatch(/^keyport export k2 --chain > k2-chain\.pem && openssl s_client .* -engine pkcs11 -keyform engine -key pkcs11:token=my%20token$/);
    expect(r.proxy).toContain('identity=k2');
  });
});

describe('the readable report', () => {
  const report: ProbeReport = {
    ok: false,
    url: 'https://api.internal/',
    startedAt: '2026-06-01T12:00:00.000Z',
    steps: [
      { step: 'dns', ok: true, ms: 1, detail: '10.0.0.5' },
      { step: 'tcp', ok: false, ms: 2, error: { code: 'KEYPORT_TLS_CONNECT_FAILED', message: 'Cannot connect.' } },
    ],
    diagnoses: [{ code: 'connection-refused', severity: 'error', title: 'Nothing listens on that port', detail: 'Nothing listens.', fix: 'Check the port.' }],
    reproduce: { openssl: 'openssl s_client -connect api.internal:443', curl: 'curl -v https://api.internal/' },
  };
  const tty = (isTTY: boolean) => ({ isTTY }) as NodeJS.WriteStream;

  it('cards in colour on a terminal', () => {
    const saved = process.env.NO_COLOR;
    delete process.env.NO_COLOR;
    try {
      const text = reportText(report, paintFor(tty(true)));
      expect(text).toContain('\x1b[31mERROR connection-refused\x1b[0m');
      expect(text).toContain('\x1b[31m✗\x1b[0m tcp');
    } finally {
      if (saved !== undefined) process.env.NO_COLOR = saved;
    }
  });

  it('plain off a terminal: ✓/✗ steps, the card, the reproduce lines', () => {
    const text = reportText(report, paintFor(tty(false)));
    expect(text).not.toContain('\x1b[');
    expect(text).toBe(
      [
        'FAILED  https://api.internal/',
        '  ✓ dns       1 ms  10.0.0.5',
        '  ✗ tcp       2 ms  Cannot connect. [KEYPORT_TLS_CONNECT_FAILED]',
        '',
        '  ERROR connection-refused: Nothing listens on that port',
        '    Nothing listens.',
        '    fix: Check the port.',
        '',
        '  reproduce:',
        '    curl -v https://api.internal/',
        '    openssl s_client -connect api.internal:443',
        '',
      ].join('\n'),
    );
  });
});
