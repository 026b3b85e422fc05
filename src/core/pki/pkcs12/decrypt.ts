/** Picks the scheme an AlgorithmIdentifier names and decrypts with the password encodings that fit. */
import type { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { unsupportedPkcs12, wrongPassword } from './errors';
import { LEGACY_PBE, legacyPbeScheme } from './legacy-pbe';
import { OID } from './oids';
import type { PasswordSet } from './password';
import { pbes2Scheme } from './pbes2';
import type { PbeScheme } from './scheme';

/** The encryption scheme `alg` names; a clear error for ones Keyport does not read. */
export function schemeFor(alg: AlgorithmIdentifier, maxIterations: number): PbeScheme {
  if (alg.algorithm === OID.pbes2) return pbes2Scheme(alg.parameters, maxIterations);
  if (LEGACY_PBE[alg.algorithm]) return legacyPbeScheme(alg.algorithm, alg.parameters, maxIterations);
  throw unsupportedPkcs12(
    `it is encrypted with ${alg.algorithm}, which Keyport does not support; re-export it with AES (PBES2)`,
  );
}

/**
 * Decrypts `data` with each password encoding in turn and returns what `accept` makes of the
 * first plaintext it takes (accept throws on garbage). Fails with "wrong password" when none do.
 */
export async function decryptWith<T>(
  scheme: PbeScheme,
  data: Buffer,
  passwords: PasswordSet,
  accept: (plain: Buffer) => T,
): Promise<T> {
  for (const password of passwords[scheme.passwordKind]) {
    const plain = await scheme.decrypt(data, password);
    if (plain === null) continue;
    try {
      return accept(plain);
    } catch {
      // Garbage that happened to end in valid padding: the password is wrong, try the next form.
    }
  }
  throw wrongPassword();
}
