/**
 * The host's session handling, run in-process (InProcessPkcs11, the same code the host runs):
 * when the module drops Keyport's session, the next call opens a new one, the lost login is
 * restored through the PIN source, and the cached key handle is looked up again.
 */
import * as pkcs11 from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11KeyStore } from '../../src/core/keystores/pkcs11';
import { InProcessPkcs11 } from '../../src/core/keystores/pkcs11/in-process';
import { requireBackend } from '../testbed/backend';
import { startSoftHsm, type SoftHsm } from '../testbed/softhsm';
import { verifies } from './token-suite';

const { missing } = requireBackend('softhsm2');

describe.skipIf(missing)('session re-open (in-process, SoftHSM2)', () => {
  let tok: SoftHsm;
  let local: InProcessPkcs11;
  const saved = process.env.SOFTHSM2_CONF;

  beforeAll(async () => {
    tok = await startSoftHsm();
    // SoftHSM reads its config at C_Initialize in this process.
    process.env.SOFTHSM2_CONF = tok.env.SOFTHSM2_CONF;
    local = new InProcessPkcs11();
  });
  afterAll(async () => {
    local?.close();
    if (saved === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = saved;
    await tok?.stop();
  });

  it('signs again after every session on the slot was closed behind its back, logging in once more', async () => {
    let pinAsked = 0;
    const store = new Pkcs11KeyStore({ host: local, modules: [tok.module], pin: async () => (pinAsked++, tok.pin) });
    const key = await store.generate('EC-P256', { label: 'reopen', token: tok.tokenLabel });
    const signer = await store.signer(key.ref);
    const data = Buffer.from('before');
    expect(verifies(key.publicKeySpki, 'ecdsa_secp256r1_sha256', data, await signer.sign('ecdsa_secp256r1_sha256', data))).toBe(true);
    expect(pinAsked).toBe(1);

    // Same library in the same process: closing all sessions on the slot closes Keyport's too.
    const other = new pkcs11.PKCS11();
    other.load(tok.module);
    try {
      other.C_Initialize();
    } catch {
      // already initialized by the key store's module instance
    }
    const slot = other.C_GetSlotList(true).find((s) => other.C_GetTokenInfo(s).label.trim() === tok.tokenLabel)!;
    other.C_CloseAllSessions(slot);

    const after = Buffer.from('after');
    expect(verifies(key.publicKeySpki, 'ecdsa_secp256r1_sha256', after, await signer.sign('ecdsa_secp256r1_sha256', after))).toBe(true);
    expect(pinAsked).toBe(2);
  });
});
