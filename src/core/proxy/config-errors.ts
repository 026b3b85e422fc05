import type { z } from 'zod';
import { KeyportError, toKeyportError } from '../../shared/errors';

/** `routes[0].upstream` from a zod issue path. */
export function fieldName(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

/**
 * The first schema issue as one sentence: where (source, line when known, field), what is wrong,
 * and what to do.
 */
export function configError(source: string, issue: z.core.$ZodIssue, lineOf?: (path: readonly PropertyKey[]) => number | undefined): KeyportError {
  // An unknown key is told at its own line and name, not at the object that holds it.
  const at = issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined ? [...issue.path, issue.keys[0]] : issue.path;
  const field = fieldName(at);
  const line = lineOf?.(at);
  const where = [source, line ? `line ${line}` : '', field ? `field "${field}"` : ''].filter(Boolean).join(', ');
  return new KeyportError('KEYPORT_PROXY_CONFIG_INVALID', `Invalid proxy configuration (${where}): ${issue.message}; fix it and try again.`);
}

/** `e` with the route or rule it came from in front ("route web: Cannot read CA file ..."), same code. */
export function inSetting(what: string, e: unknown): KeyportError {
  const err = toKeyportError(e);
  return new KeyportError(err.code, `${what}: ${err.message}`, { cause: e });
}
