import { CIPHER_SUITES } from '../../src/core/tls/cipher-suites';
import { Groups } from '../../src/core/tls/key-share';
import { OFFERED_SCHEMES, schemeName } from '../../src/core/tls/signature-schemes';
import type { TlsInfo } from '../../src/core/tls';
import type { ConnFlags } from './flags';
import { expectedPeerChain, versionId } from './options';

/** A property of the connection that differs from what the test expects (exit 1). */
export class CheckFailed extends Error {}

const hex = (n: number): string => n.toString(16).padStart(4, '0');

function expectNumber(what: string, got: number | undefined, want: number): void {
  if (got !== want) throw new CheckFailed(`${what} was ${got === undefined ? 'none' : hex(got)}, wanted ${hex(want)}`);
}

function schemeId(name: string | undefined): number | undefined {
  return name === undefined ? undefined : OFFERED_SCHEMES.find((id) => schemeName(id) === name);
}

/** What the previous connection of this shim run established, for resumption checks. */
export interface PriorConnection {
  version: TlsInfo['version'];
  serverSignatureScheme: string | undefined;
}

/**
 * BoringSSL's CheckHandshakeProperties for the parts Keyport's TlsInfo reports: version,
 * suite, group, the server's signature scheme, ALPN (always compared, as BoringSSL does:
 * no -expect-alpn means none may be negotiated), resumption and the server's chain.
 */
export function checkHandshake(info: TlsInfo, f: ConnFlags, isResume: boolean, prior?: PriorConnection): void {
  const wantVersion = f.int('-expect-version');
  if (wantVersion) expectNumber('version', versionId(info.version), wantVersion);

  const wantCipher = f.int('-expect-cipher');
  if (wantCipher) expectNumber('cipher', CIPHER_SUITES.find((s) => s.name === info.cipherSuite)?.id, wantCipher);

  const wantCurve = f.int('-expect-curve-id');
  if (wantCurve) expectNumber('curve_id', Groups[info.group], wantCurve);

  const wantScheme = f.int('-expect-peer-signature-algorithm');
  if (wantScheme) {
    // A resumed session reports the signature of the handshake that created it, as BoringSSL does.
    const name = info.serverSignatureScheme ?? (info.resumed ? prior?.serverSignatureScheme : undefined);
    expectNumber('peer signature algorithm', schemeId(name), wantScheme);
  }

  const wantAlpn = f.has('-expect-alpn') ? (f.str('-expect-alpn') ?? '') : '';
  if ((info.alpn ?? '') !== wantAlpn) {
    throw new CheckFailed(`negotiated alpn proto mismatch: got "${info.alpn ?? ''}", wanted "${wantAlpn}"`);
  }

  const expectResume = isResume && !f.has('-expect-session-miss');
  if (info.resumed !== expectResume) {
    throw new CheckFailed(`session unexpectedly was${info.resumed ? '' : ' not'} reused`);
  }

  if (info.serverChain.length === 0) throw new CheckFailed('Received no peer certificate but expected one.');
  const wantChain = expectedPeerChain(f);
  if (wantChain) {
    if (wantChain.length !== info.serverChain.length) {
      throw new CheckFailed(`Received a chain of length ${info.serverChain.length} instead of ${wantChain.length}.`);
    }
    wantChain.forEach((der, i) => {
      if (!der.equals(info.serverChain[i] as Buffer)) throw new CheckFailed(`Chain certificate ${i} did not match.`);
    });
  }
}

