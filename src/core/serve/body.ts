/**
 * Reads a JSON request body with a hard size limit, so a request cannot make the server buffer
 * megabytes. Over the limit the rest of the body is discarded, not read into memory.
 */
import type { IncomingMessage } from 'node:http';
import { reject, type Rejection } from './rejection';

/** The largest API request body accepted; contract requests are a few hundred bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A parsed body (`undefined` when empty), or why it was refused. */
export type BodyOutcome = { value: unknown } | Rejection;

/** Reads and parses `req`'s body; never throws for bad input. */
export function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<BodyOutcome> {
  const tooLarge = reject(413, 'KEYPORT_INVALID_REQUEST', `The request body is larger than ${limit} bytes: Keyport requests are small JSON objects.`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(discard(req, tooLarge));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd);
      resolve(discard(req, tooLarge));
    };
    const onEnd = () => resolve(parse(Buffer.concat(chunks)));
    const onError = () => resolve(reject(400, 'KEYPORT_INVALID_REQUEST', 'The request body was cut off: send the request again.'));
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/** Lets the rest of the body flow to nowhere, so the client still reads the refusal. */
function discard(req: IncomingMessage, rejection: Rejection): Rejection {
  req.resume();
  return rejection;
}

function parse(bytes: Buffer): BodyOutcome {
  if (bytes.length === 0) return { value: undefined };
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { value: JSON.parse(text) as unknown };
  } catch {
    return reject(400, 'KEYPORT_INVALID_REQUEST', 'The request body is not valid JSON: send the request as a UTF-8 JSON object.');
  }
}
