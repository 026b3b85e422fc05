import { KeyportError } from '../../shared/errors';

/**
 * Finds one entry by exact id, else by unique id prefix, else by exact label, so users can type
 * `keyport show 3fa9` or `keyport show "prod db"`. `what` names the kind in errors.
 */
export function findByIdOrLabel<T extends { id: string; label?: string }>(items: T[], query: string, what: string): T {
  const exact = items.find((i) => i.id === query);
  if (exact) return exact;
  const byPrefix = query.length >= 4 ? items.filter((i) => i.id.startsWith(query)) : [];
  const matches = byPrefix.length > 0 ? byPrefix : items.filter((i) => i.label === query);
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new KeyportError(
      'KEYPORT_INVALID_ARGUMENT',
      `"${query}" matches ${matches.length} ${what}s (${matches.map((m) => m.id).join(', ')}); use the full id.`,
    );
  }
  throw new KeyportError('KEYPORT_NOT_FOUND', `No ${what} "${query}"; \`keyport list\` shows what there is.`);
}
