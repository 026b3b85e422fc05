import type { Command } from 'commander';
import type { Keyport } from '../core/app';
import { withKeyport } from './context';
import { fail } from './output';

/**
 * Wraps a command's body: opens Keyport, runs, reports any failure as one sentence with its exit code.
 * The body gets the positional arguments, the command's own options and Keyport.
 */
export function action<O extends { json?: boolean }>(
  body: (args: string[], opts: O, keyport: Keyport) => Promise<void>,
): (...raw: unknown[]) => Promise<void> {
  return async (...raw: unknown[]) => {
    const cmd = raw[raw.length - 1] as Command;
    const opts = cmd.opts<O>();
    try {
      await withKeyport(cmd, (k) => body(cmd.args, opts, k));
    } catch (e) {
      fail(e, opts.json === true);
    }
  };
}
