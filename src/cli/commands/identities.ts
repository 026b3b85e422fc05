import type { Command } from 'commander';
import type { IdentityView } from '../../shared/identity';
import { action } from '../action';
import { print, table } from '../output';

function storeName(i: IdentityView): string {
  return i.keyStore.kind === 'keychain' ? 'keychain' : `pkcs11:${i.keyStore.token}`;
}

function describe(i: IdentityView): string {
  return (
    [
      ['Id', i.id],
      ['Label', i.label],
      ['Subject', i.subject],
      ['SANs', i.sans.join(', ') || '-'],
      ['Issuer', i.issuer],
      ['Serial', i.serial],
      ['Valid', `${i.notBefore} .. ${i.notAfter} (${i.status})`],
      ['SHA-256', i.fingerprintSha256],
      ['Key', `${i.keyAlgorithm} in ${storeName(i)}`],
      ['Chain', `${i.chainLength} certificate(s)`],
    ]
      .map(([k, v]) => `${k!.padEnd(8)} ${v}`)
      .join('\n') + '\n'
  );
}

/** `list`, `show`, `remove`. */
export function registerIdentityCommands(program: Command): void {
  program
    .command('list')
    .description('list identities (stored, and found on configured tokens)')
    .option('--json', 'print JSON')
    .action(
      action<{ json?: boolean }>(async (_args, opts, k) => {
        const list = await k.listIdentities();
        print(list, opts.json === true, () =>
          list.length === 0
            ? 'No identities yet: `keyport import FILE` or `keyport keygen` adds one.\n'
            : table([
                ['ID', 'LABEL', 'STATUS', 'EXPIRES', 'KEY', 'SUBJECT'],
                ...list.map((i) => [i.id, i.label, i.status, i.notAfter.slice(0, 10), storeName(i), i.subject]),
              ]),
        );
      }),
    );

  program
    .command('show')
    .argument('<id>', 'identity id, unique id prefix, or label')
    .description('show one identity and its certificate chain')
    .option('--json', 'print JSON')
    .action(
      action<{ json?: boolean }>(async ([id], opts, k) => {
        const identity = await k.showIdentity(id!);
        print(identity, opts.json === true, () => `${describe(identity)}\n${identity.chainPem}`);
      }),
    );

  program
    .command('remove')
    .argument('<id>', 'identity id, unique id prefix, or label')
    .description('remove an identity and delete its private key from its store')
    .option('--json', 'print JSON')
    .action(
      action<{ json?: boolean }>(async ([id], opts, k) => {
        const record = await k.record(id!);
        await k.removeIdentity(record.id);
        print({ removed: record.id }, opts.json === true, () => `Removed ${record.id} (${record.label}) and its key.\n`);
      }),
    );
}
