/** Bugs the TLS fuzzer (fuzz.test.ts) found, each pinned with the flight that found it. */
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/core/tls';
import { HELLO_RETRY_RANDOM } from '../../src/core/tls/constants';
import { Writer } from '../../src/core/tls/bytes';
import { startScriptedServer, type RawServer } from '../testbed/tls-servers/raw';
import { encodeMessage, encodeRecord, HANDSHAKE } from './fuzz/flight';

/** A HelloRetryRequest for P-384 whose supported_versions body is `versions`. */
function helloRetry(versions: Buffer): Buffer {
  const exts = new Writer().u16(43).vec16(versions).u16(51).vec16(Buffer.of(0x00, 0x18));
  const body = new Writer().u16(0x0303).bytes(HELLO_RETRY_RANDOM).vec8(Buffer.alloc(32)).u16(0x1301).u8(0).vec16(exts.finish()).finish();
  return encodeRecord({ type: HANDSHAKE, version: 0x0303, body: encodeMessage({ type: 2, body }) });
}

describe('fuzzer regressions', () => {
  let server: RawServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  for (const versions of [Buffer.alloc(0), Buffer.of(0x03)]) {
    it(`HelloRetryRequest with a ${versions.length}-byte supported_versions is a protocol error, not a RangeError`, async () => {
      server = await startScriptedServer(
        (socket) =>
          new Promise<void>((resolve) => {
            socket.once('data', () => socket.end(helloRetry(versions)));
            socket.on('close', () => resolve());
          }),
      );
      const attempt = connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', groups: ['X25519', 'P-384'], timeoutMs: 5000 });
      await expect(attempt).rejects.toMatchObject({ code: 'KEYPORT_TLS_PROTOCOL', message: expect.stringContaining('HelloRetryRequest without selecting TLS 1.3') });
    });
  }
});
