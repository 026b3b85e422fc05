import type { Diagnosis } from '../../../shared/diagnoses';
import type { ProbeFacts } from '../facts';
import { accessDenied, NGINX_CERT_ERROR, NGINX_NO_CERT } from './client-cert';
import { diagnosis, hostPort, type Rules } from './common';

/** The application's answer once TLS worked: 401, 403 and the other error statuses. */
export const httpRules: Rules = (f) => {
  const h = f.http;
  if (!h || h.status < 400) return [];
  if (h.status === 401) return [unauthorized(f)];
  if (h.status === 403) return [accessDenied(f, `HTTP 403 ${h.statusText}`.trim())];
  if (h.status === 400 && (h.bodyPreview.includes(NGINX_NO_CERT) || h.bodyPreview.includes(NGINX_CERT_ERROR))) return []; // the client-cert rules read these
  return [otherStatus(f)];
};

function unauthorized(f: ProbeFacts): Diagnosis {
  const challenge = f.http!.headers['www-authenticate'];
  const scheme = challenge?.split(/\s+/)[0];
  const wants = scheme ? `it asks for ${scheme} authentication (WWW-Authenticate: ${challenge})` : 'it sent no WWW-Authenticate header';
  return diagnosis(
    'http-unauthorized',
    `The TLS handshake with ${hostPort(f)} succeeded, but the application answered 401: ${wants}.`,
    scheme
      ? `Send the credentials it wants as well, e.g. --header "Authorization: ${scheme} ..."; the certificate alone is not enough here.`
      : 'Ask the service owner which credentials it wants besides the certificate, and send them with --header.',
  );
}

function otherStatus(f: ProbeFacts): Diagnosis {
  const h = f.http!;
  return diagnosis(
    'http-error',
    `The TLS side works, but ${f.request.method} ${f.request.path} got HTTP ${h.status} ${h.statusText}.`.replace(/ \./, '.'),
    h.status >= 500
      ? "The application failed: check its log; the client certificate was not the problem."
      : 'Check the path, method and headers (--method, --header), or the application\'s log.',
  );
}
