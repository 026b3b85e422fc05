import type { z } from 'zod';
import type { KeyportError } from '../../shared/errors';

/** How to read one of Keyport's versioned JSON files (`{"schemaVersion": N, ...}`). */
export interface VersionedJsonFile<T> {
  schema: z.ZodType<T>;
  /** The newest schemaVersion this Keyport knows. */
  version: number;
  /** The error for a file a newer Keyport wrote (its schemaVersion given); such a file is never read. */
  newer: (version: number) => KeyportError;
  /** The error for text that is not valid JSON or not the schema, given why as a phrase. */
  corrupt: (why: string) => KeyportError;
  /** Upgrades an older file's JSON before the schema check. */
  migrate?: (json: unknown) => unknown;
}

/**
 * Parses a versioned JSON file: JSON, then the schemaVersion check (a newer one is refused before the
 * schema check, whose errors would only confuse), then the optional migration and the schema. Throws
 * the file's own `newer` or `corrupt` error, naming the first schema issue by its path.
 */
export function parseVersionedJson<T>(text: string, file: VersionedJsonFile<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw file.corrupt(`it is not valid JSON (${(e as Error).message})`);
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > file.version) throw file.newer(version);
  const parsed = file.schema.safeParse(file.migrate ? file.migrate(json) : json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw file.corrupt(`${issue?.path.join('.') || 'top level'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
