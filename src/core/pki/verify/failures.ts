import { KeyportError } from '../../../shared/errors';
import type { CandidatePath } from './path-builder';
import { MAX_PATH_LENGTH } from './path-builder';
import type { ParsedCert } from './parsed-cert';

/** How a message names certificate `i` of a path (leaf first): its role and subject. */
export function describeCert(path: readonly ParsedCert[], i: number): string {
  const subject = `'${path[i]?.subject.text ?? '?'}'`;
  if (i === 0) return `The server's certificate ${subject}`;
  if (i === path.length - 1) return `The trusted CA certificate ${subject}`;
  return `The intermediate CA certificate ${subject}`;
}

/** KEYPORT_TLS_BAD_CERTIFICATE: `problem` completes "<certificate> ..." and names the fault. */
export function badCertificate(path: readonly ParsedCert[], i: number, problem: string): KeyportError {
  return new KeyportError(
    'KEYPORT_TLS_BAD_CERTIFICATE',
    `${describeCert(path, i)} ${problem}; the server's certificate chain must be fixed.`,
  );
}

/** KEYPORT_TLS_CERT_EXPIRED for an expired or not yet valid certificate. */
export function outsideValidity(path: readonly ParsedCert[], i: number, now: Date): KeyportError {
  const cert = path[i] as ParsedCert;
  const when =
    now < cert.notBefore
      ? `is not valid until ${cert.notBefore.toISOString()}`
      : `expired on ${cert.notAfter.toISOString()}`;
  return new KeyportError(
    'KEYPORT_TLS_CERT_EXPIRED',
    `${describeCert(path, i)} ${when}; it must be renewed (or this computer's clock is wrong, it reads ${now.toISOString()}).`,
  );
}

/** KEYPORT_TLS_UNKNOWN_CA for a path that never reached a trust anchor. */
export function noTrustedPath(path: CandidatePath & { anchored: false }): KeyportError {
  const certs = path.certs;
  const top = certs[certs.length - 1] as ParsedCert;
  return new KeyportError('KEYPORT_TLS_UNKNOWN_CA', unknownCaMessage(path.stop, certs, top));
}

function unknownCaMessage(stop: string, certs: readonly ParsedCert[], top: ParsedCert): string {
  const hint = 'pass its CA if you trust it (--ca FILE, or ca=FILE on a proxy route or rule)';
  if (stop === 'too-long') {
    return `The server's certificate chain is longer than ${MAX_PATH_LENGTH} certificates without reaching a trusted CA; the server's configuration must be fixed.`;
  }
  if (stop === 'untrusted-self-signed') {
    if (certs.length === 1) {
      return `The server's certificate '${top.subject.text}' is self-signed and Keyport does not trust it; ${hint}.`;
    }
    return `The server's certificate chain ends at the self-signed CA '${top.subject.text}' which Keyport does not trust; ${hint}.`;
  }
  if (certs.length === 1) {
    return `The server's certificate was issued by '${top.issuer.text}' which Keyport does not trust; the server may be missing an intermediate, or ${hint}.`;
  }
  return `The server's certificate chain leads to '${top.issuer.text}' (the issuer of '${top.subject.text}') which Keyport does not trust; the server may be missing an intermediate, or ${hint} (Keyport, like OpenSSL, needs the chain to end at a trusted self-signed root).`;
}
