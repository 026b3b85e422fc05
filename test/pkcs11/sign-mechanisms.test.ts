/**
 * The hash-and-sign fallback: when a token lacks the raw mechanisms (CKM_RSA_PKCS_PSS,
 * CKM_RSA_PKCS), the sign plan uses the combined ones (CKM_SHA256_RSA_PKCS_PSS, ...) and hands
 * the whole message to the token. Checked on a real SoftHSM2 token with the raw mechanisms hidden.
 */
import * as pkcs11 from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKeyportError } from '../../src/shared/errors';
import { readPublicParts, spkiOf } from '../../src/core/tokenhost/key-attributes';
import { planSign, schemesFor } from '../../src/core/tokenhost/sign';
import { generationTemplates } from '../../src/core/tokenhost/templates';
import type { SignatureScheme } from '../../src/core/keystores/types';
import { requireBackend } from '../testbed/backend';
import { startSoftHsm, type SoftHsm } from '../testbed/softhsm';
import { verifies } from './token-suite';

const { missing } = requireBackend('softhsm2');
const RAW = new Set([pkcs11.CKM_RSA_PKCS, pkcs11.CKM_RSA_PKCS_PSS, pkcs11.CKM_ECDSA]);

describe.skipIf(missing)('combined hash-and-sign mechanisms (SoftHSM2, raw mechanisms hidden)', () => {
  let tok: SoftHsm;
  let lib: pkcs11.PKCS11;
  let session: pkcs11.Handle;
  let offered: Set<number>;
  const saved = process.env.SOFTHSM2_CONF;

  beforeAll(async () => {
    tok = await startSoftHsm();
    process.env.SOFTHSM2_CONF = tok.env.SOFTHSM2_CONF;
    lib = new pkcs11.PKCS11();
    lib.load(tok.module);
    lib.C_Initialize();
    const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === tok.tokenLabel)!;
    offered = new Set(lib.C_GetMechanismList(slot));
    session = lib.C_OpenSession(slot, pkcs11.CKF_SERIAL_SESSION | pkcs11.CKF_RW_SESSION);
    lib.C_Login(session, pkcs11.CKU_USER, tok.pin);
  });
  afterAll(async () => {
    lib?.C_Finalize();
    lib?.close();
    if (saved === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = saved;
    await tok?.stop();
  });

  it('signs every RSA scheme through CKM_SHA*_RSA_PKCS(_PSS) and the signatures verify with node:crypto', () => {
    const combinedOnly = (m: number): boolean => offered.has(m) && !RAW.has(m);
    const t = generationTemplates('RSA-2048', Buffer.from('c0ffee', 'hex'), 'combined');
    const keys = lib.C_GenerateKeyPair(session, t.mechanism, t.publicKey, t.privateKey);
    const spki = spkiOf(readPublicParts(lib, session, keys.publicKey));
    const schemes = schemesFor('RSA-2048', combinedOnly);
    expect(schemes).toEqual(['rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512', 'rsa_pkcs1_sha256', 'rsa_pkcs1_sha384', 'rsa_pkcs1_sha512']);
    for (const scheme of schemes) {
      const plan = planSign(scheme, 'RSA-2048', tok.tokenLabel, combinedOnly);
      expect(RAW.has(plan.mechanism.mechanism), scheme).toBe(false);
      const data = Buffer.from(`whole message for ${scheme}`);
      lib.C_SignInit(session, plan.mechanism, keys.privateKey);
      const signature = plan.output(lib.C_Sign(session, plan.input(data), Buffer.alloc(512)));
      expect(verifies(spki, scheme, data, signature), scheme).toBe(true);
    }
  });

  it('refuses a scheme the token has no mechanism for with KEYPORT_MECHANISM_UNSUPPORTED, and a scheme that does not fit the key with KEYPORT_SIGN_SCHEME_UNSUPPORTED', () => {
    const nothing = (): boolean => false;
    expect(schemesFor('EC-P256', nothing)).toEqual([]);
    const noMechanism = catchError(() => planSign('ecdsa_secp256r1_sha256', 'EC-P256', tok.tokenLabel, nothing));
    expect(isKeyportError(noMechanism, 'KEYPORT_MECHANISM_UNSUPPORTED')).toBe(true);
    const wrongKey: SignatureScheme = 'rsa_pss_rsae_sha256';
    const mismatch = catchError(() => planSign(wrongKey, 'EC-P256', tok.tokenLabel, (m) => offered.has(m)));
    expect(isKeyportError(mismatch, 'KEYPORT_SIGN_SCHEME_UNSUPPORTED')).toBe(true);
  });
});

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}
