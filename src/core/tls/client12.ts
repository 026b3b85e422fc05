import { timingSafeEqual, type KeyObject } from 'node:crypto';
import { SignatureSchemes, type Signer } from '../keystores/types';
import { AlertDescription, ExtensionType, HandshakeType } from './constants';
import { suiteById, type CipherSuite } from './cipher-suites';
import { clientIdentityFor, traceClientCertificate } from './client-identity';
import { allowOnly, answerable, readAlpn } from './extensions';
import type { ServerHello } from './hello';
import { expect, unexpected, type HelloState } from './handshake';
import { createKeyShare, groupName } from './key-share';
import {
  encodeCertificate12,
  encodeClientKeyExchange,
  parseCertificate12,
  parseCertificateRequest12,
  parseServerKeyExchange,
} from './messages12';
import { describeCertificateRequest, encodeCertificateVerify, encodeFinished, type CertificateRequestInfo } from './messages13';
import { checkServerChain } from './peer-certificate';
import { classicMasterSecret, extendedMasterSecret, finished12, keyBlock } from './prf12';
import { Tls12Protection } from './record-protection';
import { chooseClientScheme, verifyServerSignature } from './signature-schemes';
import { protocolError, TlsError } from './tls-error';
import type { HandshakeIo, HandshakeResult, TlsInfo } from './types';

/** The TLS 1.2 ECDHE client from ServerHello to the server's Finished (RFC 5246, 8422, 7627). */
export async function finish12(io: HandshakeIo, s: HelloState, sh: ServerHello, shRaw: Buffer): Promise<HandshakeResult> {
  const suite = checkServerHello(s, sh);
  s.transcript.useHash(suite.hash);
  s.transcript.add(shRaw);
  const alpn = readAlpn(sh.extensions.get(ExtensionType.alpn), s.cfg.alpn);

  const certMsg = await expect(io, HandshakeType.certificate, "the server's Certificate");
  const chain = parseCertificate12(certMsg.body);
  s.transcript.add(certMsg.raw);
  io.step = "validating the server's certificate";
  const leafKey = await checkServerChain(s.cfg, chain);
  checkKeyFitsSuite(leafKey, suite);

  const skeMsg = await expect(io, HandshakeType.server_key_exchange, "the server's ServerKeyExchange");
  const ske = parseServerKeyExchange(skeMsg.body);
  const group = groupName(ske.group);
  if (!group || !s.cfg.groups.includes(group)) {
    throw protocolError('The server chose an elliptic curve that was not offered.', AlertDescription.illegal_parameter);
  }
  const signed = Buffer.concat([s.params.random, sh.random, ske.params]);
  const info: TlsInfo = {
    version: 'TLSv1.2',
    cipherSuite: suite.name,
    group,
    serverSignatureScheme: verifyServerSignature('TLSv1.2', ske.scheme, leafKey, signed, ske.signature),
    ...(alpn ? { alpn } : {}),
    resumed: false,
    serverChain: chain,
    clientCertificateSent: false,
    extendedMasterSecret: sh.extensions.has(ExtensionType.extended_master_secret),
  };
  s.transcript.add(skeMsg.raw);
  const request = await readUntilHelloDone(io, s, info);

  const share = createKeyShare(group);
  const identity = request && (await clientIdentityFor(io, s.cfg, 'TLSv1.2', request));
  if (request) {
    sendAndRecord(io, s, encodeCertificate12(identity ? identity.chain : []));
    traceClientCertificate(io, s.cfg, identity);
  }
  sendAndRecord(io, s, encodeClientKeyExchange(share.publicKey));
  const preMaster = share.computeSecret(ske.publicKey);
  const master = info.extendedMasterSecret
    ? extendedMasterSecret(suite.hash, preMaster, s.transcript.hash())
    : classicMasterSecret(suite.hash, preMaster, s.params.random, sh.random);
  if (request && identity) {
    await sendCertificateVerify(io, s, request, identity.signer, info);
    info.clientLeaf = identity.chain[0];
  }

  const keys = keyBlock(suite, master, s.params.random, sh.random);
  io.sendChangeCipherSpec();
  io.setWriteProtection(new Tls12Protection(suite, keys.clientKey, keys.clientIv));
  sendAndRecord(io, s, encodeFinished(finished12(suite.hash, master, 'client finished', s.transcript.hash())));

  io.expectChangeCipherSpec(new Tls12Protection(suite, keys.serverKey, keys.serverIv));
  const expected = finished12(suite.hash, master, 'server finished', s.transcript.hash());
  const fin = await expect(io, HandshakeType.finished, "the server's Finished");
  if (!io.changeCipherSpecSeen) throw unexpected(fin.type, "the server's ChangeCipherSpec");
  if (fin.body.length !== expected.length || !timingSafeEqual(fin.body, expected)) {
    throw new TlsError(
      'KEYPORT_TLS_DECRYPT_ERROR',
      "The server's Finished message does not verify; the handshake was tampered with.",
      AlertDescription.decrypt_error,
    );
  }
  if (io.handshakeBuffered) throw protocolError('The server sent handshake data after its Finished.', AlertDescription.unexpected_message);
  return { info };
}

function checkServerHello(s: HelloState, sh: ServerHello): CipherSuite {
  const suite = suiteById(sh.suite);
  if (!suite || suite.version !== 'TLSv1.2') {
    throw protocolError('The server chose a cipher suite that was not offered.', AlertDescription.illegal_parameter);
  }
  if (s.params.sessionId.length && sh.sessionId.equals(s.params.sessionId)) {
    // We never offer a 1.2 session; the id is 1.3 compatibility padding.
    throw protocolError('The server resumed a TLS 1.2 session that was never offered.', AlertDescription.illegal_parameter);
  }
  // Some servers echo supported_groups in a 1.2 ServerHello; BoringSSL and OpenSSL tolerate it.
  const always = [ExtensionType.ec_point_formats, ExtensionType.extended_master_secret, ExtensionType.renegotiation_info, ExtensionType.supported_groups];
  allowOnly(sh.extensions, answerable(s.params, always), 'ServerHello');
  if (!sh.extensions.has(ExtensionType.extended_master_secret) && !s.cfg.allowTls12WithoutEms) {
    throw new TlsError(
      'KEYPORT_TLS_HANDSHAKE_FAILURE',
      'The server does not support the extended master secret (RFC 7627) that Keyport requires on TLS 1.2; enable it on the server, use TLS 1.3, or accept the risk for this endpoint with --allow-tls12-without-ems.',
      AlertDescription.handshake_failure,
    );
  }
  const ri = sh.extensions.get(ExtensionType.renegotiation_info);
  if (ri && !(ri.length === 1 && ri[0] === 0)) {
    throw new TlsError(
      'KEYPORT_TLS_HANDSHAKE_FAILURE',
      'The server sent a non-empty renegotiation_info on a new connection (RFC 5746).',
      AlertDescription.handshake_failure,
    );
  }
  const formats = sh.extensions.get(ExtensionType.ec_point_formats);
  if (formats && !formats.subarray(1).includes(0)) {
    throw protocolError('The server does not accept uncompressed elliptic-curve points.', AlertDescription.illegal_parameter);
  }
  return suite;
}

function checkKeyFitsSuite(key: KeyObject, suite: CipherSuite): void {
  const type = key.asymmetricKeyType;
  const fits = suite.auth === 'ecdsa' ? type === 'ec' : type === 'rsa' || type === 'rsa-pss';
  if (!fits) {
    throw protocolError(`The server chose ${suite.name} but its certificate has a ${type} key.`, AlertDescription.illegal_parameter);
  }
}

/** Optional CertificateRequest, then ServerHelloDone. */
async function readUntilHelloDone(io: HandshakeIo, s: HelloState, info: TlsInfo): Promise<CertificateRequestInfo | undefined> {
  io.step = 'waiting for ServerHelloDone';
  let msg = await io.readMessage();
  let request: CertificateRequestInfo | undefined;
  if (msg.type === HandshakeType.certificate_request) {
    request = parseCertificateRequest12(msg.body);
    info.certificateRequest = describeCertificateRequest(request);
    s.transcript.add(msg.raw);
    msg = await expect(io, HandshakeType.server_hello_done, 'ServerHelloDone');
  }
  if (msg.type !== HandshakeType.server_hello_done) throw unexpected(msg.type, 'ServerHelloDone');
  if (msg.body.length) throw protocolError('The server sent a malformed ServerHelloDone.', AlertDescription.decode_error);
  s.transcript.add(msg.raw);
  return request;
}

/** CertificateVerify over every handshake message so far, signed by the identity's Signer. */
async function sendCertificateVerify(io: HandshakeIo, s: HelloState, request: CertificateRequestInfo, signer: Signer, info: TlsInfo): Promise<void> {
  const scheme = chooseClientScheme('TLSv1.2', request.signatureSchemes, signer);
  io.step = `waiting for the key to sign CertificateVerify (${scheme})`;
  const signature = await signer.sign(scheme, s.transcript.bytes());
  sendAndRecord(io, s, encodeCertificateVerify(SignatureSchemes[scheme], signature));
  info.signatureScheme = scheme;
  info.clientCertificateSent = true;
}

function sendAndRecord(io: HandshakeIo, s: HelloState, raw: Buffer): void {
  s.transcript.add(raw);
  io.send(raw);
}
