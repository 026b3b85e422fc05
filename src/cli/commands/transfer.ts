import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { KeyportError } from '../../shared/errors';
import { readPemIdentity } from '../../core/identities/import-source';
import { readInputFile } from '../../core/input-file';
import { action } from '../action';
import { print } from '../output';
import { readSecretFile } from '../secrets';
import { parseDestination } from './keys';

/** `import` and `export`. */
export function registerTransferCommands(program: Command): void {
  program
    .command('import')
    .argument('<file>', 'PKCS#12 (.p12/.pfx) or PEM certificate (bundle)')
    .description('import an identity: the key goes to the keychain (default) or a token, never to disk')
    .option('--key <file>', 'private key PEM when FILE holds only certificates')
    .option('--password-file <file>', 'password of the PKCS#12 or encrypted key (an empty file is the empty password)')
    .option('--to <dest>', 'keychain or pkcs11:TOKEN_LABEL', 'keychain')
    .option('--label <name>', 'identity label (default: the certificate CN)')
    .option('--json', 'print JSON')
    .action(
      action<{ key?: string; passwordFile?: string; to: string; label?: string; json?: boolean }>(
        async ([file], o, k) => {
          const to = parseDestination(o.to);
          const data = await readInputFile(file!, 'file');
          const password = o.passwordFile === undefined ? undefined : await readSecretFile(o.passwordFile, 'password');
          const key = o.key ? { name: o.key, data: await readInputFile(o.key, 'key file') } : undefined;
          const source = readPemIdentity({ name: file!, data, key, password });
          const id = await k.identities.add({ ...source, to, label: o.label ?? source.friendlyName });
          print({ id }, o.json === true, () => `${id}\n`);
        },
      ),
    );

  program
    .command('export')
    .argument('<id>', 'identity id, unique id prefix, or label')
    .description('export public material: the chain (PEM) or a CSR for the identity key')
    .option('--chain', 'the certificate chain, PEM, leaf first')
    .option('--csr', 'a new CSR signed by the identity key, with its subject and SANs')
    .option('--out <file>', 'write here instead of stdout')
    .action(
      action<{ chain?: boolean; csr?: boolean; out?: string; json?: boolean }>(async ([id], o, k) => {
        if (o.chain === o.csr) {
          throw new KeyportError('KEYPORT_INVALID_ARGUMENT', 'Say what to export: --chain or --csr.');
        }
        const pem = o.chain ? await k.chainPem(id!) : await k.csrFor(id!);
        if (o.out) await fs.writeFile(o.out, pem);
        else process.stdout.write(pem);
      }),
    );
}
