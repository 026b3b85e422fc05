/**
 * The system trust store: a self-signed root from the OS bundle verifies as a one-certificate chain
 * only when the system store is in use.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { parsePemOrDer, verifyServerChain } from '../../src/core/pki/verify';
import { parseCert } from '../../src/core/pki/verify/parsed-cert';
import { SYSTEM_BUNDLE } from '../../src/core/pki/verify/system-store';

/** The roots the system store holds: the bundle, or node's roots where there is none (macOS, Windows). */
function systemRoots(): Buffer[] {
  const source = existsSync(SYSTEM_BUNDLE) ? readFileSync(SYSTEM_BUNDLE) : Buffer.from(rootCertificates.join('\n'));
  return parsePemOrDer(source);
}

/** A current self-signed root from the bundle that may also act as a TLS server certificate. */
function usableSystemRoot(): Buffer {
  const now = new Date();
  const root = systemRoots().find((der) => {
    const c = parseCert(der);
    return (
      c.selfIssued &&
      c.notBefore < now &&
      now < c.notAfter &&
      (c.keyUsage?.has('digitalSignature') ?? true) &&
      (c.extKeyUsage?.includes('1.3.6.1.5.5.7.3.1') ?? true)
    );
  });
  if (!root) throw new Error('no usable root in the system store');
  return root;
}

describe('system trust store', () => {
  const root = usableSystemRoot();

  it('anchors a chain at an OS root', async () => {
    const v = await verifyServerChain({ chain: [root], trustAnchors: [], useSystemStore: true });
    expect(v.path).toEqual([root]);
    expect(v.anchorSubject).toBe(parseCert(root).subject.text);
  });

  it('is not used when turned off or when anchors are given', async () => {
    const other = systemRoots().find((d) => !d.equals(root)) ?? Buffer.alloc(0);
    for (const o of [{ trustAnchors: [], useSystemStore: false }, { trustAnchors: [other] }]) {
      await expect(verifyServerChain({ chain: [root], ...o })).rejects.toMatchObject({ code: 'KEYPORT_TLS_UNKNOWN_CA' });
    }
  });
});
