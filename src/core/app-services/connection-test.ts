/**
 * The UI's connection test: `keyport test URL --identity ID|auto` with the CAs as bytes. Same
 * core functions as the CLI (runConnectionTest, runAutoConnectionTest), so both report alike.
 */
import type { ConnectionReport } from '../../shared/views';
import { KeyportError } from '../../shared/errors';
import type { IdentityStatus } from '../../shared/identity';
import type { Keyport } from '../app';
import { identityView } from '../identities/view';
import { withoutRoot } from '../pki/chain';
import { runAutoConnectionTest, type IdentityPool } from '../probe/auto-identity';
import { runConnectionTest } from '../probe/connection-test';
import { parseTestUrl } from '../probe/target';
import type { ConnectionTestRequest } from '../services';
import { decodeFile } from './files';

const DEFAULT_TIMEOUT_MS = 15_000;

const usable = (i: { status: IdentityStatus }): boolean => i.status === 'valid' || i.status === 'expiring';

/** Runs one test; every failure of the test itself lands in the report, bad input throws. */
export async function testConnection(k: Keyport, request: ConnectionTestRequest): Promise<ConnectionReport> {
  const test = {
    target: parseTestUrl(request.url),
    url: request.url,
    ca: request.ca.map(decodeFile),
    servername: request.servername,
    timeoutMs: request.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
  if (request.identity === 'auto') return runAutoConnectionTest(test, await identityPool(k));
  const record = await k.record(request.identity);
  const { signer, chain } = await k.signerFor(record.id);
  return runConnectionTest({ ...test, identity: { id: record.id, label: record.label, signer, chain: withoutRoot(chain) } });
}

/** Every identity to choose from once the server's CertificateRequest arrives; only the chosen key loads. */
async function identityPool(k: Keyport): Promise<IdentityPool> {
  const candidates = (await k.records()).map((record) => {
    const v = identityView(record);
    return { id: v.id, label: v.label, status: v.status, keyAlgorithm: v.keyAlgorithm, chain: record.chain.map((c) => Buffer.from(c, 'base64')) };
  });
  if (!candidates.some(usable)) throw new KeyportError('KEYPORT_NOT_FOUND', 'No valid identity to test with: import or enroll one first.');
  return {
    candidates,
    load: async (id) => {
      const { signer, chain } = await k.signerFor(id);
      return { signer, chain: withoutRoot(chain) };
    },
  };
}
