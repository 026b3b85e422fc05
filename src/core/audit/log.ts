import { promises as fs, constants as fsc } from 'node:fs';
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
 * never stops the proxy. The file stays open between writes (one mkdir and one open per file, not
 * per session: that was a good part of a resumed connection's cost); close() releases it.
 */
export class AuditLog {
  readonly file: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private queue: string[] = [];
  private writing: Promise<void> | undefined;
  private size: number | undefined;
  private handle: fs.FileHandle | undefined;
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

  /** Writes what is queued and closes the file; a later append opens it again. */
  async close(): Promise<void> {
    await this.flush();
    await this.closeHandle();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const lines = this.queue;
      this.queue = [];
      try {
        await this.write(lines);
      } catch (e) {
        // Open again next time: the file may have been removed or its disk may come back.
        await this.closeHandle();
        if (!this.warned) process.stderr.write(`keyport: cannot write the audit log ${this.file}: ${(e as Error).message}\n`);
        this.warned = true;
      }
    }
  }

  /** Appends the lines in as few writes as the size limit allows, rotating in between. */
  private async write(lines: string[]): Promise<void> {
    await this.open();
    let chunk = '';
    for (const line of lines) {
      const bytes = Buffer.byteLength(line);
      const size = this.size ?? 0;
      if (size + Buffer.byteLength(chunk) + bytes > this.maxBytes && size + chunk.length > 0) {
        await this.appendChunk(chunk);
        chunk = '';
        if ((this.size ?? 0) > 0) await this.rotate();
      }
      chunk += line;
    }
    await this.appendChunk(chunk);
  }

  private async appendChunk(chunk: string): Promise<void> {
    if (!chunk) return;
    const handle = await this.open();
    await handle.appendFile(chunk);
    this.size = (this.size ?? 0) + Buffer.byteLength(chunk);
  }

  /** The open log file (made owner-only if new); its size is learnt once per open. */
  private async open(): Promise<fs.FileHandle> {
    if (this.handle) return this.handle;
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const handle = await fs.open(this.file, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT, 0o600);
    this.size = (await handle.stat()).size;
    this.handle = handle;
    return handle;
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    this.size = undefined;
    await handle?.close().catch(() => undefined);
  }

  private async rotate(): Promise<void> {
    await this.closeHandle();
    await fs.rm(`${this.file}.${this.keep}`, { force: true });
    for (let i = this.keep - 1; i >= 1; i--) {
      await fs.rename(`${this.file}.${i}`, `${this.file}.${i + 1}`).catch(() => undefined);
    }
    await fs.rename(this.file, `${this.file}.1`).catch(() => undefined);
    this.size = 0;
  }
}
