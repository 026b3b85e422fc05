/** Object identifiers the verifier reads. */
export const OID = {
  commonName: '2.5.4.3',
  emailAddress: '1.2.840.113549.1.9.1',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  policyMappings: '2.5.29.33',
  authorityKeyIdentifier: '2.5.29.35',
  policyConstraints: '2.5.29.36',
  extKeyUsage: '2.5.29.37',
  inhibitAnyPolicy: '2.5.29.54',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
  anyExtendedKeyUsage: '2.5.29.37.0',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/**
 * Extensions that may be critical. OpenSSL's list (X509_supported_extension) minus the ones it
 * evaluates and Keyport does not (Netscape cert type, RFC 3779 IP/AS blocks, proxy certificates):
 * those are rejected when critical, which is stricter. Policy extensions are accepted without being
 * evaluated, as OpenSSL does unless X509_V_FLAG_POLICY_CHECK is set (node never sets it).
 */
export const HANDLED_CRITICAL_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.keyUsage,
  OID.subjectAltName,
  OID.basicConstraints,
  OID.nameConstraints,
  OID.crlDistributionPoints,
  OID.certificatePolicies,
  OID.policyMappings,
  OID.policyConstraints,
  OID.extKeyUsage,
  OID.inhibitAnyPolicy,
  OID.ocspNoCheck,
]);

/** Friendly names for attribute types in distinguished names, as OpenSSL prints them. */
export const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** Signature algorithm OID → the public-key family that must have made it. */
export const SIGNATURE_KEY_FAMILY: Readonly<Record<string, 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448'>> = {
  '1.2.840.113549.1.1.4': 'rsa', // md5WithRSAEncryption
  '1.2.840.113549.1.1.5': 'rsa', // sha1WithRSAEncryption
  '1.2.840.113549.1.1.11': 'rsa',
  '1.2.840.113549.1.1.12': 'rsa',
  '1.2.840.113549.1.1.13': 'rsa',
  '1.2.840.113549.1.1.14': 'rsa',
  '1.2.840.113549.1.1.10': 'rsa-pss',
  '1.2.840.10045.4.1': 'ec', // ecdsa-with-SHA1
  '1.2.840.10045.4.3.1': 'ec',
  '1.2.840.10045.4.3.2': 'ec',
  '1.2.840.10045.4.3.3': 'ec',
  '1.2.840.10045.4.3.4': 'ec',
  '1.3.101.112': 'ed25519',
  '1.3.101.113': 'ed448',
};

/** Signature algorithms Keyport refuses on any certificate it checks a signature of (collisions are practical). */
export const WEAK_SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.4': 'MD5',
  '1.2.840.113549.1.1.5': 'SHA-1',
  '1.2.840.10045.4.1': 'SHA-1',
};
