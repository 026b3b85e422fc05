/** The append-only audit log of upstream sessions. */
export { AuditLog, AUDIT_FILE, type AuditLogOptions } from './log';
export { readAudit, parseSince } from './read';
export type { AuditEntry } from './schema';
