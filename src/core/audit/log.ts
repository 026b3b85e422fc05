import fs from 'node:fs';
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
 * The append-only audit log: one JSON line per upstream session, owner-only (0600), rotated by
 * size. Entries carry no PIN, key or payload byte by construction (AuditEntry has no field for
 * them). A failed write is reported once on stderr and never stops the proxy.
 *
 * Lines are appended with one synchronous write each, to a file kept open (one mkdir and one open
 * per file, not per session), as loggers such as pino do by default: a line of about 250 bytes
 * into the page cache costs 1-2 us, where an asynchronous append cost 20-35 us of CPU and a
 * thread-pool hand-off (in a profile of resumed connections through the proxy, about 0.15 ms of
 * its main thread per session). A line is in the file, in order, once append() returns; close()
 * releases the file.
 */
export class AuditLog {
  readonly file: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private fd: number | undefined;
  private size = 0;
  private warned = false;

  constructor(dataDir: string, opts: AuditLogOptions = {}) {
    this.file = path.join(dataDir, AUDIT_FILE);
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    this.keep = opts.keep ?? DEFAULT_KEEP;
  }

  /** Appends one entry, rotating first when it would take the file over its size limit. */
  append(entry: AuditEntry): void {
    const line = Buffer.from(`${JSON.stringify(entry)}\n`);
    try {
      let fd = this.open();
      if (this.size > 0 && this.size + line.length > this.maxBytes) {
        this.rotate();
        fd = this.open();
      }
      fs.writeSync(fd, line);
      this.size += line.length;
    } catch (e) {
      // Open again next time: the file may have been removed or its disk may come back.
      this.closeFile();
      if (!this.warned) process.stderr.write(`keyport: cannot write the audit log ${this.file}: ${(e as Error).message}\n`);
      this.warned = true;
    }
  }

  /** Closes the file; a later append opens it again. */
  close(): void {
    this.closeFile();
  }

  /** The open log file (made owner-only if new); its size is learnt once per open. */
  private open(): number {
    if (this.fd !== undefined) return this.fd;
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const fd = fs.openSync(this.file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
    this.size = fs.fstatSync(fd).size;
    this.fd = fd;
    return fd;
  }

  private closeFile(): void {
    const fd = this.fd;
    this.fd = undefined;
    this.size = 0;
    try {
      if (fd !== undefined) fs.closeSync(fd);
    } catch {
      // the file's disk is gone: nothing is left to release
    }
  }

  private rotate(): void {
    this.closeFile();
    fs.rmSync(`${this.file}.${this.keep}`, { force: true });
    for (let i = this.keep - 1; i >= 1; i--) renameIfThere(`${this.file}.${i}`, `${this.file}.${i + 1}`);
    renameIfThere(this.file, `${this.file}.1`);
  }
}

function renameIfThere(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
