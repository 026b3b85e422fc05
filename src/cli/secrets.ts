import { promises as fs } from 'node:fs';
import { KeyportError } from '../shared/errors';

/**
 * Reads a secret (PIN or password) from a file: the first line, without its line ending. An empty file
 * is the empty secret. Secrets never come from argv, where other users can read them.
 */
export async function readSecretFile(file: string, what: string): Promise<string> {
  try {
    const text = await fs.readFile(file, 'utf8');
    return text.split(/\r?\n/)[0] ?? '';
  } catch (e) {
    throw new KeyportError('KEYPORT_FILE_UNREADABLE', `Cannot read the ${what} file ${file}: ${(e as Error).message}.`);
  }
}

/** Asks on the terminal without echo; fails clearly when there is no terminal to ask on. */
export async function promptSecret(question: string, missingHint: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    throw new KeyportError('KEYPORT_PIN_REQUIRED', missingHint);
  }
  process.stderr.write(question);
  input.setRawMode(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (result: () => void) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      result();
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(() => resolve(value));
        if (ch === '\u0003') return done(() => reject(new KeyportError('KEYPORT_PIN_REQUIRED', 'Cancelled.')));
        value = ch === '\u007f' ? value.slice(0, -1) : value + ch;
      }
    };
    input.on('data', onData);
  });
}
