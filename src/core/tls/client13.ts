import { timingSafeEqual, type KeyObject } from 'node:crypto';
import { SignatureSchemes } from '../keystores/types';
import { AlertDescription, ExtensionType, HandshakeType } from './constants';
import { Reader } from './bytes';
import { suiteById, type CipherSuite } from './cipher-suites';
import { clientIdentityFor, traceClientCertificate } from './client-identity';
import { allowOnly, answerable, readAlpn } from './extensions';
import type { ServerHello } from './hello';
import type { HelloState } from './handshake';
import { expect, unexpected } from './handshake';
import * as ks from './key-schedule13';
import { groupName } from './key-share';
import {
  certificateVerifyContent,
  describeCertificateRequest,
  encodeCertificate13,
  encodeCertificateVerify,
  encodeFinished,
  parseCertificate13,
  parseCertificateRequest13,
  parseCertificateVerify,
  parseEncryptedExtensions,
  type CertificateRequestInfo,
} from './messages13';
import { checkServerChain } from './peer-certificate';
import { Tls13Protection } from './record-protection';
import { chooseClientScheme, verifyServerSignature } from './signature-schemes';
import { protocolError, TlsError } from './tls-error';
import type { HandshakeIo, HandshakeResult, TlsInfo } from './types';

/** The TLS 1.3 client from ServerHello to our Finished (RFC 8446 §4, §7). */
export async function finish13(io: HandshakeIo, s: HelloState, sh: ServerHello, shRaw: Buffer): Promise<HandshakeResult> {
  const suite = checkServerHello(s, sh);
  const hash = suite.hash;
  const resumed = pskAccepted(s, sh, suite);
  const peerShare = readServerShare(s, sh);
  s.transcript.useHash(hash);
  s.transcript.add(shRaw);

  const early = ks.earlySecret(hash, resumed ? s.ticket?.psk : undefined);
  const hsSecret = ks.handshakeSecret(hash, early, s.share.computeSecret(peerShare));
  const cHs = ks.deriveSecret(hash, hsSecret, 'c hs traffic', s.transcript.hash());
  const sHs = ks.deriveSecret(hash, hsSecret, 's hs traffic', s.transcript.hash());
  io.setReadProtection(protection(suite, sHs));
  // The server reads with our handshake key from here on, so even an alert must use it.
  if (!s.compatCcsSent) io.sendChangeCipherSpec();
  io.setWriteProtection(protection(suite, cHs));

  const ee = await expect(io, HandshakeType.encrypted_extensions, 'EncryptedExtensions');
  s.transcript.add(ee.raw);
  const exts = parseEncryptedExtensions(ee.body);
  allowOnly(exts, answerable(s.params, [ExtensionType.supported_groups]), 'EncryptedExtensions');
  const alpn = readAlpn(exts.get(ExtensionType.alpn), s.cfg.alpn);

  const info: TlsInfo = {
    version: 'TLSv1.3',
    cipherSuite: suite.name,
    group: s.share.group,
    ...(alpn ? { alpn } : {}),
    resumed,
    serverChain: resumed ? (s.ticket?.serverChain ?? []) : [],
    clientCertificateSent: false,
    ...(resumed && s.ticket?.clientLeaf ? { clientLeaf: s.ticket.clientLeaf } : {}),
  };
  const request = resumed ? undefined : await authenticateServer(io, s, info);
  await expectServerFinished(io, s, suite, sHs);

  const master = ks.masterSecret(hash, hsSecret);
  const cAp = ks.deriveSecret(hash, master, 'c ap traffic', s.transcript.hash());
  const sAp = ks.deriveSecret(hash, master, 's ap traffic', s.transcript.hash());
  io.setReadProtection(protection(suite, sAp));

  if (request) await sendClientAuth(io, s, request, info);
  const fin = encodeFinished(ks.finishedVerifyData(hash, cHs, s.transcript.hash()));
  s.transcript.add(fin);
  io.send(fin);
  io.setWriteProtection(protection(suite, cAp));
  const resumptionMaster = ks.deriveSecret(hash, master, 'res master', s.transcript.hash());
  return { info, secrets: { suite, clientTraffic: cAp, serverTraffic: sAp, resumptionMaster } };
}

export function protection(suite: CipherSuite, secret: Buffer): Tls13Protection {
  const { key, iv } = ks.trafficKeys(suite, secret);
  return new Tls13Protection(suite, key, iv);
}

function checkServerHello(s: HelloState, sh: ServerHello): CipherSuite {
  if (!sh.sessionId.equals(s.params.sessionId)) {
    throw protocolError('The server did not echo our session id.', AlertDescription.illegal_parameter);
  }
  const suite = suiteById(sh.suite);
  if (!suite || suite.version !== 'TLSv1.3' || (s.retrySuite && s.retrySuite !== suite)) {
    throw protocolError('The server chose a cipher suite that was not offered.', AlertDescription.illegal_parameter);
  }
  allowOnly(sh.extensions, [ExtensionType.supported_versions, ExtensionType.key_share, ExtensionType.pre_shared_key], 'ServerHello');
  return suite;
}

function pskAccepted(s: HelloState, sh: ServerHello, suite: CipherSuite): boolean {
  const psk = sh.extensions.get(ExtensionType.pre_shared_key);
  if (!psk) return false;
  const ticketSuite = s.ticket && suiteById(s.ticket.suiteId);
  const r = new Reader(psk, 'pre_shared_key');
  const selected = r.u16();
  r.end();
  if (!s.params.psk || selected !== 0 || ticketSuite?.hash !== suite.hash) {
    throw protocolError('The server selected a pre-shared key that was not offered.', AlertDescription.illegal_parameter);
  }
  return true;
}

function readServerShare(s: HelloState, sh: ServerHello): Buffer {
  const body = sh.extensions.get(ExtensionType.key_share);
  if (!body) {
    throw protocolError('The server sent no key share; Keyport only resumes with a fresh key exchange.', AlertDescription.missing_extension);
  }
  const r = new Reader(body, 'key_share');
  const group = groupName(r.u16());
  const key = r.vec16();
  r.end();
  if (group !== s.share.group) {
    throw protocolError('The server answered with a key share for a group we did not send.', AlertDescription.illegal_parameter);
  }
  return key;
}

/** CertificateRequest (optional), Certificate and CertificateVerify. */
async function authenticateServer(io: HandshakeIo, s: HelloState, info: TlsInfo): Promise<CertificateRequestInfo | undefined> {
  io.step = "waiting for the server's Certificate";
  let msg = await io.readMessage();
  let request: CertificateRequestInfo | undefined;
  if (msg.type === HandshakeType.certificate_request) {
    request = parseCertificateRequest13(msg.body);
    if (request.context.length) {
      throw protocolError('The server sent a handshake CertificateRequest with a context.', AlertDescription.illegal_parameter);
    }
    info.certificateRequest = describeCertificateRequest(request);
    s.transcript.add(msg.raw);
    msg = await expect(io, HandshakeType.certificate, "the server's Certificate");
  } else if (msg.type !== HandshakeType.certificate) {
    throw unexpected(msg.type, "the server's Certificate");
  }
  const { context, chain } = parseCertificate13(msg.body);
  if (context.length) throw protocolError('The server sent a Certificate with a context.', AlertDescription.illegal_parameter);
  s.transcript.add(msg.raw);
  info.serverChain = chain;
  io.step = "validating the server's certificate";
  const leafKey: KeyObject = await checkServerChain(s.cfg, chain);

  const cv = await expect(io, HandshakeType.certificate_verify, "the server's CertificateVerify");
  const { scheme, signature } = parseCertificateVerify(cv.body);
  const content = certificateVerifyContent('server', s.transcript.hash());
  info.serverSignatureScheme = verifyServerSignature('TLSv1.3', scheme, leafKey, content, signature);
  s.transcript.add(cv.raw);
  return request;
}

async function expectServerFinished(io: HandshakeIo, s: HelloState, suite: CipherSuite, sHs: Buffer): Promise<void> {
  const fin = await expect(io, HandshakeType.finished, "the server's Finished");
  const expected = ks.finishedVerifyData(suite.hash, sHs, s.transcript.hash());
  if (fin.body.length !== expected.length || !timingSafeEqual(fin.body, expected)) {
    throw new TlsError(
      'KEYPORT_TLS_DECRYPT_ERROR',
      "The server's Finished message does not verify; the handshake was tampered with.",
      AlertDescription.decrypt_error,
    );
  }
  s.transcript.add(fin.raw);
}

/** Our Certificate and, with an identity, CertificateVerify signed by its Signer. */
async function sendClientAuth(io: HandshakeIo, s: HelloState, request: CertificateRequestInfo, info: TlsInfo): Promise<void> {
  const identity = await clientIdentityFor(io, s.cfg, 'TLSv1.3', request);
  if (!identity) {
    const empty = encodeCertificate13(request.context, []);
    s.transcript.add(empty);
    io.send(empty);
    traceClientCertificate(io, s.cfg, undefined);
    return;
  }
  const { signer, chain } = identity;
  const scheme = chooseClientScheme('TLSv1.3', request.signatureSchemes, signer);
  const cert = encodeCertificate13(request.context, chain);
  s.transcript.add(cert);
  io.step = `waiting for the key to sign CertificateVerify (${scheme})`;
  const signature = await signer.sign(scheme, certificateVerifyContent('client', s.transcript.hash()));
  const cv = encodeCertificateVerify(SignatureSchemes[scheme], signature);
  s.transcript.add(cv);
  io.send(cert);
  traceClientCertificate(io, s.cfg, identity);
  io.send(cv);
  info.signatureScheme = scheme;
  info.clientCertificateSent = true;
  info.clientLeaf = chain[0];
}
