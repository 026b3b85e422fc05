/**
 * The token host's methods, run synchronously against pkcs11js. The host process serves them
 * over IPC; the benchmark's in-process baseline calls them directly (same code, no RPC).
 */
import { X509Certificate } from 'node:crypto';
import { AsnConvert, AsnIntegerArrayBufferConverter } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import * as pkcs11 from 'pkcs11js';
import { KeyportError } from '../../shared/errors';
import { ckrOf, isCkr } from './ckr';
import { TokenDirectory } from './directory';
import { algorithmOf, readPublicParts, spkiOf } from './key-attributes';
import { ModuleSet } from './modules';
import { findById, listObjects } from './objects';
import type { KeyDescription, ParamsOf, ResultOf, TokenAddress, TokenHostMethod } from './protocol';
import { planSign, schemesFor } from './sign';
import { generationTemplates, importTemplates, newKeyId } from './templates';
import type { KeyEntry, TokenSession } from './token-session';

type Handlers = { [M in TokenHostMethod]: (params: ParamsOf<M>) => ResultOf<M> };

const buf = (u8: Uint8Array): Buffer => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);

/** Every token-host method, bound to one set of loaded modules and open sessions. */
export class TokenService {
  private readonly modules = new ModuleSet();
  private readonly tokens = new TokenDirectory(this.modules);

  /** Runs one method. Throws KeyportError on failure. */
  handle<M extends TokenHostMethod>(method: M, params: ParamsOf<M>): ResultOf<M> {
    const handler = this.handlers[method] as (p: ParamsOf<M>) => ResultOf<M>;
    return handler(params);
  }

  /** Closes sessions and finalizes modules. */
  close(): void {
    this.tokens.closeAll();
    this.modules.closeAll();
  }

  private readonly handlers: Handlers = {
    listTokens: ({ modules }) => this.tokens.list(modules),
    login: (p) => {
      this.token(p).login(p.pin);
      return null;
    },
    logout: (p) => {
      this.token(p).logout();
      return null;
    },
    generateKey: (p) => this.generateKey(this.token(p), p.algorithm, p.label),
    importPrivateKey: (p) => this.importPrivateKey(this.token(p), buf(p.pkcs8), p.label),
    writeCertificate: (p) => {
      this.writeCertificate(this.token(p), p.keyId, buf(p.certDer), p.label, p.replace === true);
      return null;
    },
    findObjects: (p) => {
      const t = this.token(p);
      return t.run('reading token objects', (s) => listObjects(t.lib, s));
    },
    describeKey: (p) => {
      const t = this.token(p);
      return describe(t, p.keyId, this.key(t, p.keyId, 'reading a key'));
    },
    sign: (p) => new Uint8Array(this.sign(this.token(p), p.keyId, p.scheme, buf(p.data))),
    deleteKey: (p) => ({ deleted: this.deleteKey(this.token(p), p.keyId) }),
  };

  private token(address: TokenAddress): TokenSession {
    return this.tokens.get(address);
  }

  private generateKey(t: TokenSession, algorithm: ParamsOf<'generateKey'>['algorithm'], label: string): KeyDescription {
    t.requireLogin('generating a key');
    const id = newKeyId();
    const { mechanism, publicKey, privateKey } = generationTemplates(algorithm, id, label);
    t.run('generating a key', (s) => t.lib.C_GenerateKeyPair(s, mechanism, publicKey, privateKey));
    const keyId = id.toString('hex');
    return describe(t, keyId, this.key(t, keyId, 'generating a key'));
  }

  private importPrivateKey(t: TokenSession, pkcs8: Buffer, label: string): KeyDescription {
    t.requireLogin('importing a key');
    const id = newKeyId();
    const templates = importTemplates(pkcs8, id, label);
    t.run('importing a key', (s) => {
      const priv = createImported(t, s, templates.privateKey);
      try {
        t.lib.C_CreateObject(s, templates.publicKey);
      } catch (e) {
        t.lib.C_DestroyObject(s, priv);
        throw e;
      }
    });
    const keyId = id.toString('hex');
    return describe(t, keyId, this.key(t, keyId, 'importing a key'));
  }

  private writeCertificate(t: TokenSession, keyId: string, certDer: Buffer, label: string, replace: boolean): void {
    const activity = 'writing a certificate';
    const key = this.key(t, keyId, activity);
    const cert = parseCertificate(certDer);
    if (!cert.spki.equals(key.publicKeySpki)) {
      throw new KeyportError('KEYPORT_KEY_MISMATCH', `Cannot write the certificate to token "${t.label}": it is not for key ${keyId}; pick the certificate issued for that key.`);
    }
    const id = Buffer.from(keyId, 'hex');
    t.run(activity, (s) => {
      const existing = findById(t.lib, s, id, pkcs11.CKO_CERTIFICATE);
      const others = existing.filter((handle) => {
        const [value] = t.lib.C_GetAttributeValue(s, handle, [{ type: pkcs11.CKA_VALUE }]);
        return !(value?.value as Buffer).equals(certDer);
      });
      if (others.length === existing.length) {
        t.lib.C_CreateObject(s, [
          { type: pkcs11.CKA_CLASS, value: pkcs11.CKO_CERTIFICATE },
          { type: pkcs11.CKA_CERTIFICATE_TYPE, value: pkcs11.CKC_X_509 },
          { type: pkcs11.CKA_TOKEN, value: true },
          { type: pkcs11.CKA_PRIVATE, value: false },
          { type: pkcs11.CKA_ID, value: id },
          { type: pkcs11.CKA_LABEL, value: label },
          { type: pkcs11.CKA_SUBJECT, value: cert.subject },
          { type: pkcs11.CKA_ISSUER, value: cert.issuer },
          { type: pkcs11.CKA_SERIAL_NUMBER, value: cert.serial },
          { type: pkcs11.CKA_VALUE, value: certDer },
        ]);
      }
      // Created before the old ones go: a crash in between leaves both certificates, never none.
      if (replace) for (const handle of others) t.lib.C_DestroyObject(s, handle);
    });
  }

  private sign(t: TokenSession, keyId: string, scheme: ParamsOf<'sign'>['scheme'], data: Buffer): Buffer {
    const wasCached = t.keys.has(keyId);
    try {
      return this.signOnce(t, keyId, scheme, data);
    } catch (e) {
      // A cached handle goes stale when the session was re-opened or another application
      // re-created the key; look the key up afresh once.
      if (!wasCached || !(e instanceof KeyportError) || e.code !== 'KEYPORT_KEY_NOT_ON_TOKEN') throw e;
      t.keys.delete(keyId);
      return this.signOnce(t, keyId, scheme, data);
    }
  }

  private signOnce(t: TokenSession, keyId: string, scheme: ParamsOf<'sign'>['scheme'], data: Buffer): Buffer {
    const key = this.key(t, keyId, 'signing');
    const plan = planSign(scheme, key.algorithm, t.label, (m) => t.supports(m));
    return t.run('signing', (s) => {
      t.lib.C_SignInit(s, plan.mechanism, key.handle);
      return plan.output(t.lib.C_Sign(s, plan.input(data), Buffer.alloc(1024)));
    });
  }

  private deleteKey(t: TokenSession, keyId: string): number {
    t.requireLogin('deleting a key');
    t.keys.delete(keyId);
    return t.run('deleting a key', (s) => {
      const handles = findById(t.lib, s, Buffer.from(keyId, 'hex'));
      for (const handle of handles) t.lib.C_DestroyObject(s, handle);
      return handles.length;
    });
  }

  /** The private key with CKA_ID `keyId`, from the cache or the token. */
  private key(t: TokenSession, keyId: string, activity: string): KeyEntry {
    const cached = t.keys.get(keyId);
    if (cached) return cached;
    t.requireLogin(activity);
    const entry = t.run(activity, (s) => {
      const id = Buffer.from(keyId, 'hex');
      const [handle] = findById(t.lib, s, id, pkcs11.CKO_PRIVATE_KEY);
      if (!handle) return undefined;
      const [pub] = findById(t.lib, s, id, pkcs11.CKO_PUBLIC_KEY);
      // Some modules keep the public parts only on the public key object.
      const parts = tryRead(() => readPublicParts(t.lib, s, handle)) ?? (pub && readPublicParts(t.lib, s, pub));
      if (!parts) return undefined;
      return { handle, algorithm: algorithmOf(parts), publicKeySpki: spkiOf(parts) };
    });
    if (!entry) {
      throw new KeyportError('KEYPORT_KEY_NOT_ON_TOKEN', `Token "${t.label}" holds no private key with ID ${keyId}; it may have been deleted, so pick another identity or create a new key.`);
    }
    t.keys.set(keyId, entry);
    return entry;
  }
}

/** Creates the imported private key; tokens that cannot take key material (TPMs) get a clear error. */
function createImported(t: TokenSession, session: pkcs11.Handle, template: pkcs11.Template): pkcs11.Handle {
  try {
    return t.lib.C_CreateObject(session, template);
  } catch (e) {
    if (!isCkr(e, pkcs11.CKR_ATTRIBUTE_VALUE_INVALID, pkcs11.CKR_TEMPLATE_INCONSISTENT, pkcs11.CKR_FUNCTION_NOT_SUPPORTED)) throw e;
    throw new KeyportError('KEYPORT_MECHANISM_UNSUPPORTED', `Token "${t.label}" cannot import private keys (${ckrOf(e)?.name ?? 'refused'}); generate the key on the token with "keyport keygen" instead.`, { cause: e });
  }
}

function describe(t: TokenSession, keyId: string, key: KeyEntry): KeyDescription {
  return {
    keyId,
    algorithm: key.algorithm,
    publicKeySpki: new Uint8Array(key.publicKeySpki),
    schemes: schemesFor(key.algorithm, (m) => t.supports(m)),
  };
}

function tryRead<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** What a PKCS#11 certificate object needs from the certificate. */
function parseCertificate(der: Buffer): { spki: Buffer; subject: Buffer; issuer: Buffer; serial: Buffer } {
  try {
    const spki = new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
    const tbs = AsnConvert.parse(der, Certificate).tbsCertificate;
    return {
      spki,
      subject: Buffer.from(AsnConvert.serialize(tbs.subject)),
      issuer: Buffer.from(AsnConvert.serialize(tbs.issuer)),
      serial: Buffer.from(AsnIntegerArrayBufferConverter.toASN(tbs.serialNumber).toBER(false)),
    };
  } catch (e) {
    throw new KeyportError('KEYPORT_CERT_INVALID', 'Cannot write the certificate: it is not a valid DER X.509 certificate; check the file.', { cause: e });
  }
}
