import { SCHEMA_VERSION } from './schema';

/**
 * Upgrades a registry written by an older Keyport to SCHEMA_VERSION, one version at a time. The
 * result is validated by the caller; the upgraded file is written on the next change (the original
 * stays as identities.json.bak then).
 */
export function migrateRegistry(json: unknown): unknown {
  let doc = json as { schemaVersion?: unknown } & Record<string, unknown>;
  if (doc && doc.schemaVersion === 1) doc = v1ToV2(doc);
  return doc;
}

/** v2 adds renewal settings, certificate history and the key-operation journal. */
function v1ToV2(doc: Record<string, unknown>): Record<string, unknown> {
  const identities = Array.isArray(doc.identities) ? doc.identities : [];
  return {
    ...doc,
    schemaVersion: 2 satisfies typeof SCHEMA_VERSION,
    // v1's free-form `renewal` placeholder was never written by any command: it is dropped.
    identities: identities.map((i: Record<string, unknown>) => {
      const { renewal: _unused, ...rest } = i;
      return { ...rest, history: [] };
    }),
    operations: [],
  };
}
