/** Keys on PKCS#11 tokens, reached through the token host. */
export { Pkcs11KeyStore, type FoundObjects, type Pkcs11KeyStoreOptions } from './pkcs11/store';
export { Pkcs11Signer } from './pkcs11/signer';
export type { PinRejected, PinSource, TokenHostApi } from './pkcs11/host-api';
