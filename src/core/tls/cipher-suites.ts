import type { AeadAlgorithm } from './aead';

/** One cipher suite this client offers (AEAD only, ECDHE only on 1.2). */
export interface CipherSuite {
  readonly id: number;
  /** IANA name, e.g. TLS_AES_128_GCM_SHA256. */
  readonly name: string;
  readonly version: 'TLSv1.3' | 'TLSv1.2';
  readonly aead: AeadAlgorithm;
  readonly keyLength: number;
  /** Transcript / HKDF / PRF hash. */
  readonly hash: 'sha256' | 'sha384';
  readonly hashLength: number;
  /** 1.2 only: the server certificate's key type the suite requires. */
  readonly auth?: 'ecdsa' | 'rsa';
}

const suite = (
  id: number,
  name: string,
  version: CipherSuite['version'],
  aead: AeadAlgorithm,
  auth?: CipherSuite['auth'],
): CipherSuite => {
  const sha384 = name.endsWith('SHA384');
  return {
    id,
    name,
    version,
    aead,
    keyLength: aead === 'aes-128-gcm' ? 16 : 32,
    hash: sha384 ? 'sha384' : 'sha256',
    hashLength: sha384 ? 48 : 32,
    ...(auth ? { auth } : {}),
  };
};

/** Every suite we know, in our preference order. */
export const CIPHER_SUITES: readonly CipherSuite[] = [
  suite(0x1301, 'TLS_AES_128_GCM_SHA256', 'TLSv1.3', 'aes-128-gcm'),
  suite(0x1302, 'TLS_AES_256_GCM_SHA384', 'TLSv1.3', 'aes-256-gcm'),
  suite(0x1303, 'TLS_CHACHA20_POLY1305_SHA256', 'TLSv1.3', 'chacha20-poly1305'),
  suite(0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLSv1.2', 'aes-128-gcm', 'ecdsa'),
  suite(0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLSv1.2', 'aes-128-gcm', 'rsa'),
  suite(0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLSv1.2', 'aes-256-gcm', 'ecdsa'),
  suite(0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLSv1.2', 'aes-256-gcm', 'rsa'),
  suite(0xcca9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'TLSv1.2', 'chacha20-poly1305', 'ecdsa'),
  suite(0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'TLSv1.2', 'chacha20-poly1305', 'rsa'),
];

/** The suite with this id, if we offer it. */
export function suiteById(id: number): CipherSuite | undefined {
  return CIPHER_SUITES.find((s) => s.id === id);
}

/** Suites to offer for the enabled versions. */
export function offeredSuites(versions: readonly CipherSuite['version'][]): CipherSuite[] {
  return CIPHER_SUITES.filter((s) => versions.includes(s.version));
}
