import type { Command } from 'commander';
import type { TokenModuleView } from '../../shared/identity';
import { action } from '../action';
import { print } from '../output';

function describe(modules: TokenModuleView[]): string {
  if (modules.length === 0) return 'No PKCS#11 module configured: pass --pkcs11-module PATH or set KEYPORT_PKCS11_MODULES.\n';
  const lines: string[] = [];
  for (const m of modules) {
    lines.push(m.module);
    if (m.error) lines.push(`  error: ${m.error.message}`);
    for (const s of m.slots) {
      const t = s.token;
      if (!t) {
        lines.push(`  slot ${s.slotId}: ${s.description} (${s.unrecognized ? 'a card Keyport cannot use: no PKCS#11 token on it' : 'empty'})`);
        continue;
      }
      const state = [
        t.loggedIn ? 'logged in' : 'not logged in',
        t.pinLocked ? 'PIN LOCKED' : t.pinFinalTry ? 'PIN: final try' : t.pinCountLow ? 'PIN: tries low' : '',
      ].filter(Boolean);
      lines.push(`  slot ${s.slotId}: "${t.label}" ${t.manufacturer} ${t.model} #${t.serialNumber} (${state.join(', ')})`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `tokens`. */
export function registerTokenCommands(program: Command): void {
  program
    .command('tokens')
    .description('list PKCS#11 modules, slots and tokens, and whether each is logged in')
    .option('--json', 'print JSON')
    .action(
      action<{ json?: boolean }>(async (_args, opts, k) => {
        const modules = await k.listTokens();
        print(modules, opts.json === true, () => describe(modules));
      }),
    );
}
