import type { Diagnosis } from '../../../shared/diagnoses';
import type { CertFact, IdentityFact, ProbeFacts } from '../facts';
import {
  Alert,
  alertName,
  diagnosis,
  failed,
  hostPort,
  namedCas,
  received,
  sentChain,
  urlOf,
  useFittingIdentity,
  whichWouldFit,
  type Rules,
} from './common';

/** nginx's 400 pages when verification of the client certificate failed or none came. */
export const NGINX_NO_CERT = 'No required SSL certificate was sent';
export const NGINX_CERT_ERROR = 'The SSL certificate error';

/**
 * Our side of client authentication: local checks of the identity (made before and whatever the
 * handshake), what the CertificateRequest asked, and how the server refused.
 */
export const clientCertRules: Rules = (f) => {
  const local = f.identity ? localChecks(f, f.identity) : [];
  const asked = [...chainIncomplete(f), ...caNotAccepted(f), ...schemeMismatch(f)];
  const refusal = refusalRules(f, local.length + asked.length > 0);
  return [...local, ...asked, ...refusal, ...notRequested(f), ...optional(f)];
};

function localChecks(f: ProbeFacts, id: IdentityFact): Diagnosis[] {
  const now = Date.parse(f.now);
  const out: Diagnosis[] = [];
  const leaf = id.chain[0];
  if (!leaf) return out;
  const expired = sentChain(id).find((c) => Date.parse(c.notAfter) < now);
  if (expired) {
    const which = expired === leaf ? 'Its certificate' : `Its intermediate ${expired.subject}`;
    out.push(
      diagnosis('client-cert-expired', `${which} expired on ${expired.notAfter} (identity ${id.id}, ${leaf.subject}).`, `Renew it: keyport renew ${id.id} (or import the renewed certificate from your CA).`),
    );
  } else if (received(f, Alert.certificate_expired) !== undefined) {
    out.push(
      diagnosis(
        'client-cert-expired',
        `The server says our certificate expired (${alertName(Alert.certificate_expired)}), but here it is valid until ${leaf.notAfter}.`,
        `Check the server's clock (and ours); if the server is right, renew with keyport renew ${id.id}.`,
      ),
    );
  }
  if (Date.parse(leaf.notBefore) > now) {
    out.push(
      diagnosis(
        'client-cert-not-yet-valid',
        `The certificate of ${id.id} (${leaf.subject}) is valid only from ${leaf.notBefore}; this computer says it is ${f.now}.`,
        "Wait until then, or check the clock: this computer's or the CA's (a certificate dated ahead usually means a clock is off).",
      ),
    );
  }
  const usage = wrongUsage(leaf);
  if (usage) out.push(diagnosis('client-cert-wrong-usage', `The certificate of ${id.id} (${leaf.subject}) ${usage}.`, 'Get a certificate issued for client authentication (EKU clientAuth, keyUsage digitalSignature) from your CA.'));
  return out;
}

/** Why the leaf cannot authenticate a client, or undefined when its extensions allow it. */
function wrongUsage(leaf: CertFact): string | undefined {
  if (leaf.eku && !leaf.eku.includes('clientAuth') && !leaf.eku.includes('any')) {
    return `has extended key usage ${leaf.eku.join(', ') || '(empty)'}, without clientAuth`;
  }
  if (leaf.keyUsage && !leaf.keyUsage.includes('digitalSignature')) {
    return `has keyUsage ${leaf.keyUsage.join(', ') || '(empty)'}, without digitalSignature`;
  }
  return undefined;
}

/**
 * Our chain stops at a leaf whose issuer is not in it: an error when the server names other CAs, or
 * names none and refused us as unknown; a warning when it did not ask (the next server that does will).
 */
function chainIncomplete(f: ProbeFacts): Diagnosis[] {
  const id = f.identity;
  const chain = id ? sentChain(id) : [];
  const top = chain.at(-1);
  if (!id || !top || top.selfIssued || top.isCa) return [];
  const refusedUnnamed = f.chainNamedByRequest === undefined && f.certificateRequest !== undefined && received(f, Alert.unknown_ca, Alert.bad_certificate) !== undefined;
  const notAsked = f.certificateRequest === undefined && f.negotiated !== undefined;
  if (f.chainNamedByRequest !== false && !refusedUnnamed && !notAsked) return [];
  const server = notAsked ? 'this server did not ask for a certificate, but one that does' : `the server names ${namedCas(f)}: it`;
  return [
    diagnosis(
      'client-chain-incomplete',
      `The chain of ${id.id} stops at ${top.subject}, whose issuer "${top.issuer}" is not in it; ${server} probably cannot link our certificate to the CA it trusts.`,
      `Attach the full chain: get the intermediate "${top.issuer}" from your CA and run keyport attach with a PEM holding the certificate followed by it (or re-import the PEM or PKCS#12 bundle with the intermediates).`,
      notAsked ? 'warning' : 'error',
    ),
  ];
}

function caNotAccepted(f: ProbeFacts): Diagnosis[] {
  const noMatch = f.identityMode === 'auto' && f.failure?.code === 'KEYPORT_NO_MATCHING_IDENTITY';
  if (noMatch && f.usableIdentities === 0) {
    return [
      diagnosis(
        'client-cert-required',
        `${hostPort(f)} asks for a client certificate from ${namedCas(f)}, and Keyport holds no valid identity to offer.`,
        useFittingIdentity(f, urlOf(f)),
      ),
    ];
  }
  const noneFits = noMatch && f.namedIdentities.length === 0;
  if (!noneFits && !(f.identity && f.chainNamedByRequest === false)) return [];
  const ours = f.identity ? ` Identity ${f.identity.id} is issued by ${f.identity.chain[0]?.issuer ?? 'an unknown CA'}.` : '';
  return [
    diagnosis(
      'client-ca-not-accepted',
      `${hostPort(f)} accepts client certificates from: ${namedCas(f)}.${ours} ${whichWouldFit(f)}`,
      useFittingIdentity(f, urlOf(f)),
      failed(f) ? 'error' : 'warning',
    ),
  ];
}

function schemeMismatch(f: ProbeFacts): Diagnosis[] {
  const req = f.certificateRequest;
  if (!req) return [];
  const byError = f.failure?.code === 'KEYPORT_SIGN_SCHEME_UNSUPPORTED';
  const autoNone = f.identityMode === 'auto' && f.failure?.code === 'KEYPORT_NO_MATCHING_IDENTITY' && f.namedIdentities.length > 0;
  if (!byError && !autoNone) return [];
  const can = f.identity ? `this ${f.identity.keyAlgorithm} key can make ${f.identity.schemes.join(', ') || 'nothing'}` : `the identities issued by those CAs (${f.namedIdentities.map((s) => s.id).join(', ')}) have keys that cannot make any of them`;
  return [
    diagnosis(
      'client-key-scheme-mismatch',
      `The server accepts client signatures with ${req.signatureAlgorithms.join(', ') || 'no scheme'}, but ${can}.`,
      'Use an identity whose key type the server accepts (e.g. RSA with PSS for a PSS-only server, on a token that supports RSA-PSS), or ask the operator to accept this key type.',
    ),
  ];
}

/** How the server refused what we sent (alerts, nginx 400 pages); `explained` says a local cause already fits. */
function refusalRules(f: ProbeFacts, explained: boolean): Diagnosis[] {
  const body = f.http?.status === 400 ? f.http.bodyPreview : '';
  const sentNothing = f.certificateSent !== 'chain';
  const noCertAlert = received(f, Alert.certificate_required, Alert.handshake_failure, Alert.bad_certificate, Alert.certificate_unknown);
  if (body.includes(NGINX_NO_CERT) || (sentNothing && f.certificateSent === 'empty' && noCertAlert !== undefined) || received(f, Alert.certificate_required) !== undefined) {
    const evidence = body.includes(NGINX_NO_CERT) ? `HTTP 400 "${NGINX_NO_CERT}"` : alertName(noCertAlert ?? Alert.certificate_required);
    return [
      diagnosis(
        'client-cert-required',
        `We sent no client certificate and ${hostPort(f)} requires one (${evidence}); it accepts certificates from ${namedCas(f)}. ${whichWouldFit(f)}`,
        useFittingIdentity(f, urlOf(f)),
      ),
    ];
  }
  if (sentNothing) return [];
  if (received(f, Alert.access_denied) !== undefined) return [accessDenied(f, alertName(Alert.access_denied))];
  const unknownCa = received(f, Alert.unknown_ca) !== undefined || (body.includes(NGINX_CERT_ERROR) && f.chainNamedByRequest !== true);
  if (unknownCa) {
    if (explained) return [];
    const issuer = f.identity?.chain[0]?.issuer ?? 'unknown';
    return [
      diagnosis(
        'client-cert-unknown-ca',
        `${hostPort(f)} does not trust the issuer of our certificate, ${issuer} (${received(f, Alert.unknown_ca) ? alertName(Alert.unknown_ca) : `HTTP 400 "${NGINX_CERT_ERROR}"`}); it names ${namedCas(f)}.`,
        `Use an identity issued by a CA the server trusts, or ask its operator to trust ${issuer} for client certificates (nginx: ssl_client_certificate).`,
      ),
    ];
  }
  const bad = received(f, Alert.bad_certificate, Alert.unsupported_certificate, Alert.certificate_unknown, Alert.certificate_revoked);
  if ((bad !== undefined || body.includes(NGINX_CERT_ERROR)) && !explained) {
    const evidence = bad !== undefined ? alertName(bad) : `HTTP 400 "${NGINX_CERT_ERROR}"`;
    return [diagnosis('client-cert-bad', `${hostPort(f)} rejected our certificate (${evidence}), though ${checked(f)}.`, certBadFix(f))];
  }
  return [];
}

/** What we checked of our chain and found fine, for client-cert-bad. */
function checked(f: ProbeFacts): string {
  const id = f.identity;
  const leaf = id?.chain[0];
  if (!id || !leaf) return 'nothing could be checked locally';
  const eku = leaf.eku ? `EKU ${leaf.eku.join(', ')}` : 'no EKU restriction';
  const ku = leaf.keyUsage ? `keyUsage ${leaf.keyUsage.join(', ')}` : 'no keyUsage restriction';
  const chain = sentChain(id).map((c) => c.subject).join(' <- ');
  return `here it is valid (${leaf.notBefore} to ${leaf.notAfter}), with ${eku} and ${ku}, sent as the chain ${chain}`;
}

function certBadFix(f: ProbeFacts): string {
  const depth = f.identity ? sentChain(f.identity).length : 0;
  // A CA name is only a name: a CA re-created under the same one (test beds, a rebuilt lab CA) is named and still refuses.
  const hint = f.chainNamedByRequest
    ? ` The server names our CA, so it may limit the chain depth (we send ${depth} certificate${depth === 1 ? '' : 's'}; nginx: ssl_verify_depth), check revocation, or pin an issuer; or its CA of that name is another one (re-created under the same name): compare its fingerprint with our issuer's.`
    : '';
  return `Ask the server's operator what its log says about the certificate.${hint}`;
}

/** Shared with the HTTP rules: the server verified our certificate and still said no. */
export function accessDenied(f: ProbeFacts, evidence: string): Diagnosis {
  const leaf = f.identity?.chain[0];
  const who = leaf ? `subject ${leaf.subject}, serial ${leaf.serial}` : 'no certificate';
  return diagnosis(
    'access-denied',
    `${hostPort(f)} accepted the TLS handshake but denied access (${evidence}) to the certificate we presented (${who}).`,
    leaf ? `Ask the service owner to grant ${leaf.subject} access, or use another identity that has it.` : 'Present a client certificate that the service authorises (--identity ID).',
  );
}

function notRequested(f: ProbeFacts): Diagnosis[] {
  if (!f.negotiated || f.certificateRequest || f.negotiated.resumed) return [];
  return [
    diagnosis(
      'no-client-cert-requested',
      `${hostPort(f)} completed the handshake without asking for a client certificate: it does not do mTLS on this port (or it asks only on some paths, or checks nothing: nginx ssl_verify_client off).`,
      f.identityMode === 'none'
        ? 'Nothing to do unless this endpoint should require mTLS.'
        : 'If this endpoint should require mTLS, turn it on at the server (nginx: ssl_verify_client on;); otherwise test it with --identity none.',
      f.identityMode === 'none' ? 'info' : 'warning',
    ),
  ];
}

/** With --identity none: the server asked, took no certificate, and answered; which identities would fit. */
function optional(f: ProbeFacts): Diagnosis[] {
  if (f.identityMode !== 'none' || !f.certificateRequest || failed(f)) return [];
  return [
    diagnosis(
      'client-cert-optional',
      `${hostPort(f)} asks for a client certificate from ${namedCas(f)} but let us in without one (nginx: ssl_verify_client optional). ${whichWouldFit(f)}`,
      f.suggestions[0] ? `To test with one: keyport test ${urlOf(f)} --identity ${f.suggestions[0].id}.` : 'Nothing to do, unless this endpoint should require mTLS.',
    ),
  ];
}
