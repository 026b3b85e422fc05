import { KeyportError, isKeyportError } from '../../shared/errors';
import { chainForKey } from '../pki/chain';
import { verifyServerChain } from '../pki/verify';

/**
 * What a CA issued, checked before anything is stored: the leaf is for `spki` (the key Keyport holds)
 * and the chain validates, for client authentication, to the CA's roots. Returns the chain ordered
 * leaf first, without the root. `refreshRoots` is asked once when no path is found (a rotated root).
 */
export async function checkIssued(
  certs: Buffer[],
  spki: Buffer,
  roots: Buffer[],
  refreshRoots?: () => Promise<Buffer[]>,
): Promise<Buffer[]> {
  const ordered = chainForKey(certs, spki)?.chain;
  if (!ordered) {
    throw new KeyportError('KEYPORT_KEY_MISMATCH', 'The CA issued a certificate for a different key than the one Keyport holds; nothing was changed. Report this to the CA operator.');
  }
  const chain = ordered.filter((c) => !roots.some((r) => r.equals(c)));
  try {
    await validate(chain, roots);
  } catch (e) {
    if (!refreshRoots || !isKeyportError(e, 'KEYPORT_TLS_UNKNOWN_CA')) throw invalid(e);
    await validate(chain, await refreshRoots()).catch((again: unknown) => {
      throw invalid(again);
    });
  }
  return chain;
}

async function validate(chain: Buffer[], roots: Buffer[]): Promise<void> {
  await verifyServerChain({ chain, trustAnchors: roots, useSystemStore: false, purpose: 'clientAuth' });
}

function invalid(e: unknown): KeyportError {
  return new KeyportError(
    'KEYPORT_ENROLL_CHAIN_INVALID',
    `The certificate the CA issued does not validate to the CA's roots (${(e as Error).message}); nothing was changed. Run \`keyport roots refresh\` and try again.`,
    { cause: e },
  );
}
