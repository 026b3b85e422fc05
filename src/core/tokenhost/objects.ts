/**
 * Object search and bookkeeping on one session: key pairs and certificates grouped by CKA_ID.
 */
import * as pkcs11 from 'pkcs11js';
import type { PrivateKeyFlags, TokenObjectGroup } from './protocol';
import type { KeyAlgorithm } from '../keystores/types';
import { algorithmOf, readPublicParts, spkiOf, type PublicParts } from './key-attributes';

type Lib = pkcs11.PKCS11;
type Handle = pkcs11.Handle;

/** Handles of the objects matching `template`. */
export function findHandles(lib: Lib, session: Handle, template: pkcs11.Template): Handle[] {
  lib.C_FindObjectsInit(session, template);
  try {
    const found: Handle[] = [];
    for (;;) {
      const batch = lib.C_FindObjects(session, 64);
      if (batch.length === 0) return found;
      found.push(...batch);
    }
  } finally {
    lib.C_FindObjectsFinal(session);
  }
}

/** Handles of objects of `cls` with CKA_ID `id` (any class when `cls` is undefined). */
export function findById(lib: Lib, session: Handle, id: Buffer, cls?: number): Handle[] {
  const template: pkcs11.Template = [{ type: pkcs11.CKA_ID, value: id }];
  if (cls !== undefined) template.push({ type: pkcs11.CKA_CLASS, value: cls });
  return findHandles(lib, session, template);
}

/** Reads CKA_CLASS, CKA_ID and CKA_LABEL of an object. */
function readHeader(lib: Lib, session: Handle, handle: Handle): { cls: number; id: string; label: string } {
  const [cls, id, label] = lib.C_GetAttributeValue(session, handle, [
    { type: pkcs11.CKA_CLASS },
    { type: pkcs11.CKA_ID },
    { type: pkcs11.CKA_LABEL },
  ]);
  return {
    cls: (cls?.value as Buffer).readUIntLE(0, 4),
    id: (id?.value as Buffer | undefined)?.toString('hex') ?? '',
    label: (label?.value as Buffer | undefined)?.toString('utf8') ?? '',
  };
}

/** The sensitivity flags of a private key. */
export function readPrivateKeyFlags(lib: Lib, session: Handle, handle: Handle): PrivateKeyFlags {
  const names = ['token', 'private', 'sensitive', 'extractable', 'alwaysSensitive', 'neverExtractable', 'sign'] as const;
  const types = [
    pkcs11.CKA_TOKEN,
    pkcs11.CKA_PRIVATE,
    pkcs11.CKA_SENSITIVE,
    pkcs11.CKA_EXTRACTABLE,
    pkcs11.CKA_ALWAYS_SENSITIVE,
    pkcs11.CKA_NEVER_EXTRACTABLE,
    pkcs11.CKA_SIGN,
  ];
  const values = lib.C_GetAttributeValue(session, handle, types.map((type) => ({ type })));
  const flags = {} as PrivateKeyFlags;
  names.forEach((name, i) => {
    flags[name] = ((values[i]?.value as Buffer | undefined)?.[0] ?? 0) !== 0;
  });
  return flags;
}

/** Every key pair and certificate visible in the session, grouped by CKA_ID. */
export function listObjects(lib: Lib, session: Handle): TokenObjectGroup[] {
  const groups = new Map<string, TokenObjectGroup>();
  const group = (id: string, label: string): TokenObjectGroup => {
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { keyId: id, label, certificates: [] }));
    return g;
  };
  // Private keys last: many modules keep the public parts only on the public key object.
  const algorithms = new Map<string, KeyAlgorithm>();
  for (const cls of [pkcs11.CKO_PUBLIC_KEY, pkcs11.CKO_CERTIFICATE, pkcs11.CKO_PRIVATE_KEY]) {
    for (const handle of findHandles(lib, session, [{ type: pkcs11.CKA_CLASS, value: cls }])) {
      const header = readHeader(lib, session, handle);
      const g = group(header.id, header.label);
      if (cls === pkcs11.CKO_CERTIFICATE) {
        const [value] = lib.C_GetAttributeValue(session, handle, [{ type: pkcs11.CKA_VALUE }]);
        g.certificates.push({ label: header.label, der: new Uint8Array(value?.value as Buffer) });
        if (g.certificates.length === 1) g.label = header.label;
        continue;
      }
      const info = keyInfo(lib, session, handle);
      g.publicKeySpki ??= info.spki;
      const algorithm = info.algorithm ?? algorithms.get(header.id);
      if (cls === pkcs11.CKO_PUBLIC_KEY) {
        if (algorithm) algorithms.set(header.id, algorithm);
        continue;
      }
      g.label = header.label;
      const flags = readPrivateKeyFlags(lib, session, handle);
      g.privateKey = algorithm ? { label: header.label, algorithm, flags } : { label: header.label, flags };
    }
  }
  return [...groups.values()];
}

/** Algorithm and SPKI of a key object, as far as its attributes reveal them (some modules hide them). */
function keyInfo(lib: Lib, session: Handle, handle: Handle): { algorithm?: KeyAlgorithm; spki?: Uint8Array } {
  let parts: PublicParts;
  try {
    parts = readPublicParts(lib, session, handle);
  } catch {
    return {};
  }
  const spki = new Uint8Array(spkiOf(parts));
  try {
    return { algorithm: algorithmOf(parts), spki };
  } catch {
    return { spki };
  }
}
