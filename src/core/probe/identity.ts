import type { IdentityStatus, KeyStoreView } from '../../shared/identity';
import { matchingIdentities, type IdentityCandidate } from '../identities/select';
import { sameName } from '../identities/name-match';
import { schemesFor } from '../keystores/memory-signer';
import type { Signer } from '../keystores/types';
import { certFacts as chainFacts } from '../pki/chain';
import type { CertificateRequestDetails } from '../tls';
import { certFacts } from './cert-facts';
import type { IdentityFact, Suggestion } from './facts';

/** An identity a test may offer: its public side at once, its key only when a server asks. */
export interface ProbeIdentity {
  id: string;
  label: string;
  status: IdentityStatus;
  /** "EC-P256", "RSA-2048", ... */
  keyAlgorithm: string;
  store: KeyStoreView;
  /** DER, leaf first, as stored (possibly with the root). */
  chain: Buffer[];
  /** The signer of its key; may start the token host or ask for a PIN, and fails with the key store's error. */
  load(): Promise<Signer>;
}

/** The doctor's facts about an identity; `signer` (once loaded) says which schemes it really can make. */
export function identityFact(i: ProbeIdentity, signer?: Signer): IdentityFact {
  return {
    id: i.id,
    label: i.label,
    keyAlgorithm: i.keyAlgorithm,
    store: i.store,
    chain: certFacts(i.chain, `the certificate chain of ${i.id}`),
    schemes: [...(signer?.schemes ?? schemesFor(i.keyAlgorithm))],
  };
}

/** Whether a certificate of `chain` is, or is issued by, a CA that `request` names; undefined when it names none. */
export function namedByRequest(request: CertificateRequestDetails, chain: readonly Buffer[]): boolean | undefined {
  const wanted = request.certificateAuthorityNames;
  if (wanted.length === 0) return undefined;
  return chain.some((der) => {
    try {
      const c = chainFacts(der);
      return [c.issuer, c.subject].some((name) => wanted.some((w) => sameName(name, w)));
    } catch {
      return false;
    }
  });
}

const usable = (i: ProbeIdentity): boolean => i.status === 'valid' || i.status === 'expiring';

/** The identities (other than `offered`) that fit `request`: issued by a named CA, with a key that can sign for it. */
export function suggestions(candidates: readonly ProbeIdentity[], request: CertificateRequestDetails | undefined, offered?: string): Suggestion[] {
  const others = candidates.filter((c) => c.id !== offered && usable(c));
  const fitting = request ? matchingIdentities(request, others.map(asCandidate)) : others;
  return fitting.map((c) => ({ id: c.id, label: c.label }));
}

/** The usable identities issued by a CA `request` names, whatever their key. */
export function namedIdentities(candidates: readonly ProbeIdentity[], request: CertificateRequestDetails | undefined): Suggestion[] {
  if (!request || request.certificateAuthorityNames.length === 0) return [];
  return candidates.filter((c) => usable(c) && namedByRequest(request, c.chain)).map((c) => ({ id: c.id, label: c.label }));
}

/** As the auto-selection (select.ts) reads an identity. */
export function asCandidate(i: ProbeIdentity): IdentityCandidate {
  return { id: i.id, label: i.label, status: i.status, keyAlgorithm: i.keyAlgorithm, chain: i.chain };
}
