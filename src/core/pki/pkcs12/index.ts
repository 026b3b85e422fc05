/** PKCS#12 (.p12/.pfx): read files made by any tool, pick the identity in them, write new ones. */
export { parsePkcs12 } from './parse';
export { pickIdentity } from './identity';
export { buildPkcs12 } from './build';
export { MAX_FILE_BYTES, MAX_ITERATIONS } from './errors';
export type {
  BuildPkcs12Options,
  ParsePkcs12Options,
  Pkcs12Cert,
  Pkcs12Contents,
  Pkcs12Identity,
  Pkcs12Key,
} from './types';
