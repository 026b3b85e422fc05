/**
 * Validates one incoming request and runs it: the host's whole request path except the transport.
 */
import { toKeyportError } from '../../shared/errors';
import { paramSchemas, requestEnvelope, type TokenHostResponse } from './protocol';
import type { TokenService } from './service';

/** Answers one raw message; never throws. */
export function answer(service: TokenService, raw: unknown): TokenHostResponse {
  const envelope = requestEnvelope.safeParse(raw);
  const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : -1;
  if (!envelope.success) {
    return { id, ok: false, error: { code: 'KEYPORT_INVALID_REQUEST', message: 'The token host got a malformed request; update Keyport so both sides match.' } };
  }
  const { method } = envelope.data;
  const params = paramSchemas[method].safeParse(envelope.data.params);
  if (!params.success) {
    const issue = params.error.issues[0];
    const where = issue?.path.join('.') || 'params';
    return { id, ok: false, error: { code: 'KEYPORT_INVALID_REQUEST', message: `Invalid ${method} request to the token host: ${where} ${issue?.message ?? 'is invalid'}.` } };
  }
  try {
    return { id, ok: true, value: service.handle(method, params.data) };
  } catch (e) {
    const err = toKeyportError(e, 'The token host failed');
    return { id, ok: false, error: { code: err.code, message: err.message } };
  }
}
