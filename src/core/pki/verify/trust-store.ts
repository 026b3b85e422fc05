import { KeyportError } from '../../../shared/errors';
import { isSelfSigned, likelyIssued } from './issuer-match';
import { parseCertCached } from './cert-cache';
import { MalformedCertificate, type ParsedCert } from './parsed-cert';
import type { SystemStore } from './system-store';

/** The certificates Keyport trusts for one verification: the user's anchors, optionally the system's. */
export class TrustStore {
  private readonly bySubject = new Map<string, ParsedCert[]>();

  /** `anchors` are trusted as given (duplicates dropped); `system` adds the OS roots. */
  constructor(
    anchors: readonly ParsedCert[],
    private readonly system?: SystemStore,
  ) {
    for (const a of anchors) {
      const list = this.bySubject.get(a.subject.key) ?? [];
      if (!list.some((b) => b.der.equals(a.der))) list.push(a);
      this.bySubject.set(a.subject.key, list);
    }
  }

  /** Anchors that may have issued `cert` (names, AKI and key type agree). */
  issuersOf(cert: ParsedCert): ParsedCert[] {
    return this.withSubject(cert.issuer.key, cert.node.issuer).filter((a) => likelyIssued(a, cert));
  }

  /**
   * A trusted self-signed certificate standing for the self-signed `cert` the server sent: the same
   * certificate, or the same subject and key (a root re-issued with new dates).
   */
  anchorFor(cert: ParsedCert): ParsedCert | undefined {
    const candidates = this.withSubject(cert.subject.key, cert.node.subject);
    const same = candidates.find((a) => a.der.equals(cert.der));
    if (same) return same;
    const spki = spkiOf(cert);
    return candidates.find((a) => isSelfSigned(a) && spkiOf(a).equals(spki));
  }

  private withSubject(key: string, nodeText: string): ParsedCert[] {
    const own = this.bySubject.get(key) ?? [];
    const system = this.system?.withSubject(nodeText).filter((c) => c.subject.key === key) ?? [];
    return [...own, ...system.filter((s) => !own.some((o) => o.der.equals(s.der)))];
  }
}

/**
 * Parses user-supplied trust anchors (DER). A certificate that cannot be read is refused with
 * KEYPORT_CERT_INVALID rather than skipped, since the user asked for it to be trusted.
 */
export function parseAnchors(ders: readonly Buffer[]): ParsedCert[] {
  return ders.map((der, i) => {
    try {
      return parseCertCached(der);
    } catch (e) {
      const why = e instanceof MalformedCertificate ? e.message : 'it cannot be read';
      throw new KeyportError('KEYPORT_CERT_INVALID', `Cannot use trusted CA certificate #${i + 1}: ${why}.`, {
        cause: e,
      });
    }
  });
}

function spkiOf(cert: ParsedCert): Buffer {
  return cert.publicKey.export({ format: 'der', type: 'spki' });
}
