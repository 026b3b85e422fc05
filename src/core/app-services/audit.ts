import type { AuditEntryView } from '../../shared/app-views';
import { parseSince, readAudit } from '../audit';
import type { AuditQuery } from '../services';

const DEFAULT_LIMIT = 500;

/** The audit log's newest entries first, filtered as asked. */
export async function listAudit(dataDir: string, query: AuditQuery): Promise<AuditEntryView[]> {
  const since = query.since === undefined ? undefined : parseSince(query.since);
  const entries = await readAudit(dataDir, since);
  const matching = query.route === undefined ? entries : entries.filter((e) => e.route === query.route);
  return matching.slice(-(query.limit ?? DEFAULT_LIMIT)).reverse();
}
