import { promises as fs } from 'node:fs';
import path from 'node:path';
import { KeyportError } from '../../../shared/errors';
import type { ProbeReport } from '../../../shared/probe-report';
import { writeFileAtomic } from '../../identities/atomic-file';
import { withFileLock } from '../../identities/file-lock';
import { parseVersionedJson } from '../../identities/versioned-json';
import { ENDPOINTS_SCHEMA_VERSION, EndpointsFileSchema, HISTORY_LIMIT, StoredResultSchema, type Endpoint, type EndpointsFile } from './schema';

/** What `endpoints add` gives; the store adds the creation time and an empty history. */
export type NewEndpoint = Omit<Endpoint, 'createdAt' | 'history'>;

/**
 * Saved endpoints and the last results of each: `endpoints.json` in the data dir. Every change is
 * a locked read-modify-write with an atomic replace (as the identity registry); a corrupt file or
 * one from a newer Keyport is reported and never overwritten.
 */
export class EndpointStore {
  readonly file: string;
  private readonly lockFile: string;

  constructor(readonly dataDir: string) {
    this.file = path.join(dataDir, 'endpoints.json');
    this.lockFile = path.join(dataDir, 'endpoints.lock');
  }

  async list(): Promise<Endpoint[]> {
    return (await this.read()).endpoints;
  }

  /** One endpoint by name; KEYPORT_NOT_FOUND when there is none. */
  async get(name: string): Promise<Endpoint> {
    const found = (await this.list()).find((e) => e.name === name);
    if (!found) throw notFound(name);
    return found;
  }

  /** Saves a new endpoint; a name already taken is refused (KEYPORT_ALREADY_EXISTS) and nothing changes. */
  async add(e: NewEndpoint): Promise<Endpoint> {
    return this.update((draft) => {
      if (draft.endpoints.some((x) => x.name === e.name)) {
        throw new KeyportError('KEYPORT_ALREADY_EXISTS', `An endpoint named "${e.name}" exists already; remove it first or pick another name.`);
      }
      const saved: Endpoint = { ...e, createdAt: new Date().toISOString(), history: [] };
      draft.endpoints.push(saved);
      return saved;
    });
  }

  async remove(name: string): Promise<void> {
    await this.update((draft) => {
      const i = draft.endpoints.findIndex((e) => e.name === name);
      if (i < 0) throw notFound(name);
      draft.endpoints.splice(i, 1);
    });
  }

  /** Appends a result to the endpoint's history, keeping the last HISTORY_LIMIT (the trace is left out). */
  async record(name: string, report: ProbeReport): Promise<void> {
    const { trace: _trace, ...stored } = report;
    await this.update((draft) => {
      const e = draft.endpoints.find((x) => x.name === name);
      if (!e) throw notFound(name);
      e.history = [...e.history, StoredResultSchema.parse(stored)].slice(-HISTORY_LIMIT);
    });
  }

  private async read(): Promise<EndpointsFile> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { schemaVersion: ENDPOINTS_SCHEMA_VERSION, endpoints: [] };
      throw new KeyportError('KEYPORT_FILE_UNREADABLE', `Cannot read the saved endpoints ${this.file}: ${(e as Error).message}.`);
    }
    return this.parse(text);
  }

  private async update<T>(change: (draft: EndpointsFile) => T): Promise<T> {
    await fs.mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    return withFileLock(
      this.lockFile,
      async () => {
        const draft = await this.read();
        const result = change(draft);
        await writeFileAtomic(this.file, `${JSON.stringify(EndpointsFileSchema.parse(draft), null, 2)}\n`);
        return result;
      },
      10_000,
      'The saved endpoints file',
    );
  }

  private parse(text: string): EndpointsFile {
    return parseVersionedJson(text, {
      schema: EndpointsFileSchema,
      version: ENDPOINTS_SCHEMA_VERSION,
      newer: (version) =>
        new KeyportError('KEYPORT_ENDPOINTS_NEWER_SCHEMA', `The saved endpoints ${this.file} were written by a newer Keyport (schema ${version}); update Keyport to use them.`),
      corrupt: (why) => this.corrupt(why),
    });
  }

  private corrupt(why: string): KeyportError {
    return new KeyportError(
      'KEYPORT_ENDPOINTS_CORRUPT',
      `The saved endpoints file ${this.file} is corrupt (${why}); Keyport left it untouched: fix or remove it, then try again.`,
    );
  }
}

function notFound(name: string): KeyportError {
  return new KeyportError('KEYPORT_NOT_FOUND', `No saved endpoint is named "${name}"; see keyport endpoints list.`);
}
