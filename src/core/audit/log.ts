import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { AuditEntry } from './schema';

/** The log's name in the data dir; rotated copies are audit.log.1 (newest) to audit.log.N. */
export const AUDIT_FILE = 'audit.log';
const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
const DEFAULT_KEEP = 3;

/** Size limit and how many rotated files to keep. */
export interface AuditLogOptions {
  maxBytes?: number;
  keep?: number;
}

/**
 * The append-only audit log: one JSON line per upstream session, appended in order by one writer
 * queue, owner-only (0600), rotated by size. Entries carry no PIN, key or payload byte by
 * construction (AuditEntry has no field for them). A failed write is reported once on stderr and
 * never stops the proxy.
 */
export class AuditLog {
  readonly file: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private queue: string[] = [];
  private writing: Promise<void> | undefined;
  private size: number | undefined;
  private warned = false;

  constructor(dataDir: string, opts: AuditLogOptions = {}) {
    this.file = path.join(dataDir, AUDIT_FILE);
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    this.keep = opts.keep ?? DEFAULT_KEEP;
  }

  /** Queues one entry; lines are written in the order given. */
  append(entry: AuditEntry): void {
    this.queue.push(`${JSON.stringify(entry)}\n`);
    this.writing ??= this.drain().finally(() => (this.writing = undefined));
  }

  /** Resolves once every queued entry is on disk. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const lines = this.queue;
      this.queue = [];
      try {
        await this.write(lines);
      } catch (e) {
        if (!this.warned) process.stderr.write(`keyport: cannot write the audit log ${this.file}: ${(e as Error).message}\n`);
        this.warned = true;
      }
    }
  }

  /** Appends the lines in as few writes as the size limit allows, rotating in between. */
  private async write(lines: string[]): Promise<void> {
    this.size ??= await fs.stat(this.file).then((s) => s.size, () => 0);
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    let chunk = '';
    for (const line of lines) {
      const bytes = Buffer.byteLength(line);
      if (this.size + Buffer.byteLength(chunk) + bytes > this.maxBytes && this.size + chunk.length > 0) {
        await this.appendChunk(chunk);
        chunk = '';
        if (this.size > 0) await this.rotate();
      }
      chunk += line;
    }
    await this.appendChunk(chunk);
  }

  private async appendChunk(chunk: string): Promise<void> {
    if (!chunk) return;
    await fs.appendFile(this.file, chunk, { mode: 0o600 });
    this.size = (this.size ?? 0) + Buffer.byteLength(chunk);
  }

  private async rotate(): Promise<void> {
    await fs.rm(`${this.file}.${this.keep}`, { force: true });
    for (let i = this.keep - 1; i >= 1; i--) {
      await fs.rename(`${this.file}.${i}`, `${this.file}.${i + 1}`).catch(() => undefined);
    }
    await fs.rename(this.file, `${this.file}.1`).catch(() => undefined);
    this.size = 0;
  }
}
