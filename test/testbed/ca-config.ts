/**
 * openssl.cnf text for the test CA (./ca.ts): two `openssl ca` sections (root, intermediate),
 * the CA certificates' extensions, and a per-certificate leaf extension section.
 */
import { isIP } from 'node:net';

/** Extended key usages a test leaf may carry. */
export type Eku = 'clientAuth' | 'serverAuth';

/** The CA config for a test CA living in `dir` (root in dir/root, intermediate in dir/int). */
export function caConfig(dir: string): string {
  return [
    '[ca]',
    'default_ca = ca_int',
    '',
    caSection('ca_root', `${dir}/root`, 'none'),
    // Leaves keep the SANs of their CSR unless the caller names others.
    caSection('ca_int', `${dir}/int`, 'copy'),
    '[policy_any]',
    // With -preserveDN the subject is kept exactly as requested; the policy only checks.
    'commonName = optional',
    '',
    '[req]',
    'distinguished_name = req_dn',
    'prompt = no',
    '[req_dn]',
    'CN = unused',
    '',
    '[v3_root]',
    'basicConstraints = critical, CA:true',
    'keyUsage = critical, keyCertSign, cRLSign',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid:always',
    '',
    '[v3_int]',
    'basicConstraints = critical, CA:true, pathlen:0',
    'keyUsage = critical, keyCertSign, cRLSign',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid:always',
    '',
  ].join('\n');
}

/** An extension file with section [leaf] for one end-entity certificate. */
export function leafExtensions(eku: Eku[], sans: string[] | undefined): string {
  const lines = [
    '[leaf]',
    'basicConstraints = critical, CA:false',
    // ECDHE only: signing is all a leaf key does, for both RSA and EC keys.
    'keyUsage = critical, digitalSignature',
    `extendedKeyUsage = ${eku.join(', ')}`,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid:always',
  ];
  if (sans && sans.length > 0) lines.push(`subjectAltName = ${sans.map(sanEntry).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/**
 * A subject DN for `openssl -subj`: "/CN=a/O=b" as is; "CN=a, O=b" becomes "/CN=a/O=b"
 * (same order as written).
 */
export function opensslSubject(subject: string): string {
  if (subject.startsWith('/')) return subject;
  return `/${subject
    .split(',')
    .map((rdn) => rdn.trim())
    .filter(Boolean)
    .join('/')}`;
}

/** "DNS:x", "IP:x", "email:x", "URI:x" as is; a bare IP address gets "IP:", anything else "DNS:". */
function sanEntry(san: string): string {
  if (isIP(san)) return `IP:${san}`;
  if (/^(DNS|IP|email|URI):/.test(san)) return san;
  return `DNS:${san}`;
}

function caSection(name: string, dir: string, copyExtensions: 'none' | 'copy'): string {
  return [
    `[${name}]`,
    `dir = ${dir}`,
    'database = $dir/index.txt',
    'serial = $dir/serial',
    'new_certs_dir = $dir/issued',
    'certificate = $dir/cert.pem',
    'private_key = $dir/key.pem',
    'default_md = sha256',
    'policy = policy_any',
    'unique_subject = no',
    'email_in_dn = no',
    `copy_extensions = ${copyExtensions}`,
    'default_days = 365',
    '',
  ].join('\n');
}
