import { randomBytes } from 'node:crypto';
import {
  AlertDescription,
  DOWNGRADE_TLS11,
  DOWNGRADE_TLS12,
  ExtensionType,
  HandshakeNames,
  HandshakeType,
  HELLO_RETRY_RANDOM,
  ProtocolVersion,
} from './constants';
import { Reader } from './bytes';
import { offeredSuites, suiteById, type CipherSuite } from './cipher-suites';
import { bindersLength, encodeClientHello, parseServerHello, writeBinder, type ClientHelloParams, type ServerHello } from './hello';
import { createKeyShare, groupName, Groups, type KeyShare } from './key-share';
import { binderKey, earlySecret, hmac } from './key-schedule13';
import { OFFERED_SCHEMES } from './signature-schemes';
import type { SessionTicket } from './session-cache';
import { PlainProtection } from './record-protection';
import { protocolError, TlsError } from './tls-error';
import { Transcript } from './transcript';
import { finish13 } from './client13';
import { finish12 } from './client12';
import type { HandshakeMessage } from './handshake-buffer';
import type { HandshakeConfig, HandshakeIo, HandshakeResult } from './types';

/** State shared by the ClientHello exchange and the version-specific state machines. */
export interface HelloState {
  cfg: HandshakeConfig;
  params: ClientHelloParams;
  transcript: Transcript;
  share: KeyShare;
  ticket?: SessionTicket;
  /** The suite a HelloRetryRequest fixed, if any. */
  retrySuite?: CipherSuite;
  /** The middlebox-compatibility ChangeCipherSpec went out (before ClientHello2 after a HelloRetryRequest). */
  compatCcsSent?: boolean;
}

/** Runs a whole handshake: ClientHello, optional HelloRetryRequest, then the 1.3 or 1.2 machine. */
export async function runHandshake(io: HandshakeIo, cfg: HandshakeConfig): Promise<HandshakeResult> {
  const state = initialHello(cfg);
  sendClientHello(io, state);
  io.setWriteProtection(new PlainProtection());
  let msg = await expect(io, HandshakeType.server_hello, 'the ServerHello');
  let sh = parseServerHello(msg.body);
  if (sh.random.equals(HELLO_RETRY_RANDOM)) {
    // The server must wait for ClientHello2; anything already sent after the HelloRetryRequest is out of turn.
    if (io.handshakeBuffered) throw protocolError('The server sent handshake data after its HelloRetryRequest.', AlertDescription.unexpected_message);
    applyHelloRetry(state, sh, msg.raw);
    // Middlebox compatibility (RFC 8446 D.4): the one CCS goes right before ClientHello2, as in BoringSSL and OpenSSL.
    io.sendChangeCipherSpec();
    state.compatCcsSent = true;
    sendClientHello(io, state);
    msg = await expect(io, HandshakeType.server_hello, 'the ServerHello after HelloRetryRequest');
    sh = parseServerHello(msg.body);
    if (sh.random.equals(HELLO_RETRY_RANDOM)) {
      throw protocolError('The server sent a second HelloRetryRequest.', AlertDescription.unexpected_message);
    }
  }
  if (negotiatedVersion(state, sh) === 'TLSv1.3') {
    io.version = 'TLSv1.3';
    return finish13(io, state, sh, msg.raw);
  }
  io.version = 'TLSv1.2';
  return finish12(io, state, sh, msg.raw);
}

/** Reads the next message and insists on its type. */
export async function expect(io: HandshakeIo, type: number, what: string): Promise<HandshakeMessage> {
  io.step = `waiting for ${what}`;
  const msg = await io.readMessage();
  if (msg.type !== type) throw unexpected(msg.type, what);
  return msg;
}

export function unexpected(type: number, wanted: string): Error {
  return protocolError(
    `The server sent ${HandshakeNames[type] ?? `handshake message ${type}`} where ${wanted} belongs.`,
    AlertDescription.unexpected_message,
  );
}

function initialHello(cfg: HandshakeConfig): HelloState {
  const share = createKeyShare(cfg.groups[0] ?? 'X25519');
  const versions = [...(cfg.offer13 ? (['TLSv1.3'] as const) : []), ...(cfg.offer12 ? (['TLSv1.2'] as const) : [])];
  const ticket = cfg.offer13 ? cfg.sessionCache?.take(cfg.sessionKey) : undefined;
  const params: ClientHelloParams = {
    random: randomBytes(32),
    // A non-empty session id puts 1.3 in middlebox compatibility mode (RFC 8446 §D.4).
    sessionId: cfg.offer13 ? randomBytes(32) : Buffer.alloc(0),
    suites: offeredSuites(versions).map((s) => s.id),
    ...(cfg.sni ? { servername: cfg.sni } : {}),
    offer13: cfg.offer13,
    offer12: cfg.offer12,
    groups: cfg.groups.map((g) => Groups[g]),
    keyShares: [{ group: Groups[share.group], key: share.publicKey }],
    signatureSchemes: OFFERED_SCHEMES,
    ...(cfg.alpn?.length ? { alpn: cfg.alpn } : {}),
  };
  return { cfg, params, transcript: new Transcript(), share, ...(ticket ? { ticket } : {}) };
}

/** Sends the (next) ClientHello, computing the PSK binder over its truncated form. */
function sendClientHello(io: HandshakeIo, s: HelloState): void {
  const suite = s.ticket && suiteById(s.ticket.suiteId);
  if (s.ticket && suite) {
    s.params.psk = {
      identity: s.ticket.ticket,
      obfuscatedAge: (Date.now() - s.ticket.receivedAt + s.ticket.ageAdd) >>> 0,
      binderLength: suite.hashLength,
    };
  } else {
    delete s.params.psk;
  }
  const ch = encodeClientHello(s.params);
  if (s.ticket && suite) {
    const truncated = ch.subarray(0, ch.length - bindersLength(suite.hashLength));
    const partial = new Transcript();
    partial.useHash(suite.hash);
    const prior = s.transcript.bytes();
    if (prior.length) partial.add(prior);
    partial.add(truncated);
    const key = binderKey(suite.hash, earlySecret(suite.hash, s.ticket.psk));
    writeBinder(ch, hmac(suite.hash, key, partial.hash()));
  }
  s.transcript.add(ch);
  io.send(ch);
}

/** Checks a HelloRetryRequest and prepares ClientHello2 (RFC 8446 §4.1.4). */
function applyHelloRetry(s: HelloState, hrr: ServerHello, raw: Buffer): void {
  const suite = suiteById(hrr.suite);
  const version = hrr.extensions.get(ExtensionType.supported_versions);
  if (!s.cfg.offer13 || version?.length !== 2 || version.readUInt16BE(0) !== ProtocolVersion.TLS13) {
    throw protocolError('The server sent a HelloRetryRequest without selecting TLS 1.3.', AlertDescription.illegal_parameter);
  }
  if (!suite || suite.version !== 'TLSv1.3') {
    throw protocolError('The server chose a cipher suite in HelloRetryRequest that was not offered.', AlertDescription.illegal_parameter);
  }
  for (const type of hrr.extensions.keys()) {
    if (type !== ExtensionType.supported_versions && type !== ExtensionType.key_share && type !== ExtensionType.cookie) {
      throw protocolError(`The server sent extension ${type} in HelloRetryRequest.`, AlertDescription.unsupported_extension);
    }
  }
  const ks = hrr.extensions.get(ExtensionType.key_share);
  const cookie = hrr.extensions.get(ExtensionType.cookie);
  if (ks) {
    const group = groupName(new Reader(ks, 'key_share').u16());
    if (!group || !s.cfg.groups.includes(group) || group === s.share.group) {
      throw protocolError('The server asked in HelloRetryRequest for a key share it cannot use.', AlertDescription.illegal_parameter);
    }
    s.share = createKeyShare(group);
    s.params.keyShares = [{ group: Groups[group], key: s.share.publicKey }];
  } else if (!cookie) {
    throw protocolError('The server sent a HelloRetryRequest that changes nothing.', AlertDescription.illegal_parameter);
  }
  if (cookie) s.params.cookie = new Reader(cookie, 'cookie').vec16();
  if (s.ticket && suiteById(s.ticket.suiteId)?.hash !== suite.hash) delete s.ticket;
  s.retrySuite = suite;
  s.transcript.replaceWithMessageHash(suite.hash);
  s.transcript.add(raw);
}

/** The version the ServerHello selected, refusing downgrades (RFC 8446 §4.1.3, §4.2.1). */
function negotiatedVersion(s: HelloState, sh: ServerHello): 'TLSv1.3' | 'TLSv1.2' {
  const sv = sh.extensions.get(ExtensionType.supported_versions);
  if (sv) {
    if (sh.legacyVersion !== ProtocolVersion.TLS12) {
      throw protocolError('The server sent a TLS 1.3 ServerHello with a bogus legacy version.', AlertDescription.protocol_version);
    }
    if (sv.length !== 2 || sv.readUInt16BE(0) !== ProtocolVersion.TLS13 || !s.cfg.offer13) {
      throw protocolError('The server selected a TLS version that was not offered.', AlertDescription.illegal_parameter);
    }
    return 'TLSv1.3';
  }
  if (sh.legacyVersion !== ProtocolVersion.TLS12 || !s.cfg.offer12) {
    const spoken = sh.legacyVersion === ProtocolVersion.TLS12 ? 'TLS 1.2, which minVersion excludes' : 'a TLS version older than 1.2';
    throw new TlsError(
      'KEYPORT_TLS_HANDSHAKE_FAILURE',
      `The server only speaks ${spoken}; Keyport needs TLS 1.2 or 1.3.`,
      AlertDescription.protocol_version,
    );
  }
  const tail = sh.random.subarray(24);
  if (s.cfg.offer13 && (tail.equals(DOWNGRADE_TLS12) || tail.equals(DOWNGRADE_TLS11))) {
    throw protocolError(
      'The server signalled a downgrade from TLS 1.3; something between us may be forcing an older version.',
      AlertDescription.illegal_parameter,
    );
  }
  return 'TLSv1.2';
}
