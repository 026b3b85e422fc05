/**
 * The typed RPC between Keyport and its token host. One map type names every method with its
 * params and result, so `TokenHostClient.call` is typed end to end; the host validates each
 * incoming request with the zod schemas below before it touches a PKCS#11 module.
 *
 * Binary values travel as `Uint8Array` (structured clone: Node's advanced IPC serialization and
 * Electron's `utilityProcess` both carry them without copying into JSON).
 */
import * as z from 'zod';
import { ErrorCodes, type ErrorCode } from '../../shared/errors';
import { KeyAlgorithms, SignatureSchemes, type KeyAlgorithm, type SignatureScheme } from '../keystores/types';

/** A token named by its module path and label (trailing spaces trimmed). */
export interface TokenAddress {
  module: string;
  token: string;
}

/** Token state flags Keyport shows and acts on. */
export interface TokenFlags {
  loginRequired: boolean;
  userPinInitialized: boolean;
  userPinLocked: boolean;
  userPinCountLow: boolean;
  userPinFinalTry: boolean;
  protectedAuthenticationPath: boolean;
  tokenInitialized: boolean;
}

/** One token as `listTokens` reports it. */
export interface TokenSummary {
  label: string;
  manufacturer: string;
  model: string;
  serial: string;
  flags: TokenFlags;
  /** True when this host holds a logged-in session on the token. */
  loggedIn: boolean;
}

/** One slot of a module; `token` is absent when the slot is empty. */
export interface SlotSummary {
  slotId: string;
  description: string;
  token?: TokenSummary;
  /** A card is in the reader, but the module cannot use it (CKR_TOKEN_NOT_RECOGNIZED). */
  unrecognizedToken?: true;
}

/** One module: its slots, or why it could not be used. */
export interface ModuleSummary {
  module: string;
  description?: string;
  manufacturer?: string;
  slots: SlotSummary[];
  error?: { code: ErrorCode; message: string };
}

/** Attributes of a private key that say whether it can leave the token. */
export interface PrivateKeyFlags {
  token: boolean;
  private: boolean;
  sensitive: boolean;
  extractable: boolean;
  alwaysSensitive: boolean;
  neverExtractable: boolean;
  sign: boolean;
}

/** Objects on a token that share one CKA_ID: a key pair and its certificates. */
export interface TokenObjectGroup {
  /** CKA_ID, hex. */
  keyId: string;
  /** Label of the private key, else of the first certificate, else of the public key. */
  label: string;
  privateKey?: { label: string; algorithm?: KeyAlgorithm; flags: PrivateKeyFlags };
  /** SubjectPublicKeyInfo DER from the public key object or the private key's attributes. */
  publicKeySpki?: Uint8Array;
  certificates: { label: string; der: Uint8Array }[];
}

/** A key as the token holds it: enough to build a Signer. */
export interface KeyDescription {
  keyId: string;
  algorithm: KeyAlgorithm;
  publicKeySpki: Uint8Array;
  /** Schemes the key and its token can produce, in preference order. */
  schemes: SignatureScheme[];
}

/** Every method: params in, result out. */
export interface TokenHostMethods {
  listTokens: { params: { modules: string[] }; result: ModuleSummary[] };
  login: { params: TokenAddress & { pin: string }; result: null };
  logout: { params: TokenAddress; result: null };
  generateKey: { params: TokenAddress & { algorithm: KeyAlgorithm; label: string }; result: KeyDescription };
  importPrivateKey: { params: TokenAddress & { pkcs8: Uint8Array; label: string }; result: KeyDescription };
  writeCertificate: {
    /** `replace`: afterwards remove the key's other certificates (a renewal replaces the one before). */
    params: TokenAddress & { keyId: string; certDer: Uint8Array; label: string; replace?: boolean };
    result: null;
  };
  findObjects: { params: TokenAddress; result: TokenObjectGroup[] };
  describeKey: { params: TokenAddress & { keyId: string }; result: KeyDescription };
  sign: {
    params: TokenAddress & { keyId: string; scheme: SignatureScheme; data: Uint8Array };
    result: Uint8Array;
  };
  deleteKey: { params: TokenAddress & { keyId: string }; result: { deleted: number } };
}

export type TokenHostMethod = keyof TokenHostMethods;
export type ParamsOf<M extends TokenHostMethod> = TokenHostMethods[M]['params'];
export type ResultOf<M extends TokenHostMethod> = TokenHostMethods[M]['result'];

/** A request from the client. */
export interface TokenHostRequest<M extends TokenHostMethod = TokenHostMethod> {
  id: number;
  method: M;
  params: ParamsOf<M>;
}

/** The host's answer to one request. */
export type TokenHostResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { code: ErrorCode; message: string } };

const bytes = z.instanceof(Uint8Array);
const modulePath = z
  .string()
  .min(1)
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'must be an absolute path');
const address = { module: modulePath, token: z.string().min(1).max(32) };
const keyId = z.string().regex(/^([0-9a-f]{2})+$/, 'must be lower-case hex');
const label = z.string().max(256);
const schemeNames = Object.keys(SignatureSchemes) as [SignatureScheme, ...SignatureScheme[]];

/** Param schemas, one per method; the host rejects anything else with KEYPORT_INVALID_REQUEST. */
export const paramSchemas: { [M in TokenHostMethod]: z.ZodType<ParamsOf<M>> } = {
  listTokens: z.object({ modules: z.array(modulePath).max(64) }),
  login: z.object({ ...address, pin: z.string().max(256) }),
  logout: z.object(address),
  generateKey: z.object({ ...address, algorithm: z.enum(KeyAlgorithms), label }),
  importPrivateKey: z.object({ ...address, pkcs8: bytes, label }),
  writeCertificate: z.object({ ...address, keyId, certDer: bytes, label, replace: z.boolean().optional() }),
  findObjects: z.object(address),
  describeKey: z.object({ ...address, keyId }),
  sign: z.object({ ...address, keyId, scheme: z.enum(schemeNames), data: bytes }),
  deleteKey: z.object({ ...address, keyId }),
};

/** The envelope of a request, before its params are checked against the method's schema. */
export const requestEnvelope = z.object({
  id: z.number().int().nonnegative(),
  method: z.enum(Object.keys(paramSchemas) as [TokenHostMethod, ...TokenHostMethod[]]),
  params: z.unknown(),
});

/** The envelope of a response, checked by the client. */
export const responseEnvelope = z.union([
  z.object({ id: z.number(), ok: z.literal(true), value: z.unknown() }),
  z.object({
    id: z.number(),
    ok: z.literal(false),
    error: z.object({ code: z.enum(ErrorCodes), message: z.string() }),
  }),
]);

/** What each method is doing, for messages like "The token host stopped while signing". */
export const methodActivity: Record<TokenHostMethod, string> = {
  listTokens: 'listing tokens',
  login: 'logging in',
  logout: 'logging out',
  generateKey: 'generating a key',
  importPrivateKey: 'importing a key',
  writeCertificate: 'writing a certificate',
  findObjects: 'reading token objects',
  describeKey: 'reading a key',
  sign: 'signing',
  deleteKey: 'deleting a key',
};
