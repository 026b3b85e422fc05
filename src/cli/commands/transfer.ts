import type { Command } from 'commander';
import { readIdentitySource, type ImportFiles } from '../../core/identities/import-source';
import { isKeyportError, KeyportError } from '../../shared/errors';
import { readInputFile } from '../../core/input-file';
import type { Keyport } from '../../core/app';
import { action } from '../action';
import { writeOutputFile } from '../output-file';
import { print } from '../output';
import { promptSecret, readSecretFile } from '../secrets';
import { parseDestination } from './keys';

/**
 * Reads the import source; when no --password-file was given and the file turns out to need a
 * password, asks for it on the terminal (if there is one) and tries again.
 */
async function readWithPasswordPrompt(files: ImportFiles) {
  try {
    return await readIdentitySource(files);
  } catch (e) {
    const needsPassword =
      isKeyportError(e, 'KEYPORT_PKCS12_WRONG_PASSWORD') || isKeyportError(e, 'KEYPORT_KEY_PASSWORD_REQUIRED');
    if (files.password !== undefined || !needsPassword) throw e;
    if (!process.stdin.isTTY) {
      throw new KeyportError(
        (e as KeyportError).code,
        `Cannot import ${files.name}: it is protected by a password; give it with --password-file FILE (an empty file is the empty password).`,
      );
    }
    const password = await promptSecret(`Password for ${files.name}: `, 'No password given.');
    return readIdentitySource({ ...files, password });
  }
}

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
          const source = await readWithPasswordPrompt({ name: file!, data, key, password });
          const id = await k.identities.add({ ...source, to, label: o.label ?? source.friendlyName });
          print({ id }, o.json === true, () => `${id}\n`);
        },
      ),
    );

  program
    .command('export')
    .argument('<id>', 'identity id, unique id prefix, or label')
    .description('export the chain (PEM), a CSR for the identity key, or (keychain keys only) a PKCS#12')
    .option('--chain', 'the certificate chain, PEM, leaf first')
    .option('--csr', 'a new CSR signed by the identity key, with its subject and SANs')
    .option('--pkcs12', 'key and chain as PKCS#12 (keychain identities only; token keys never leave the token)')
    .option('--password-file <file>', 'with --pkcs12: the password to protect it with')
    .option('--legacy', 'with --pkcs12: 3DES/RC2 and a SHA-1 MAC, for old Windows, macOS and Java')
    .option('--out <file>', 'write here instead of stdout')
    .option('--json', 'errors as JSON (the export itself is PEM or PKCS#12)')
    .action(
      action<ExportOptions>(async ([id], o, k) => {
        const data = await exportData(id!, o, k);
        if (o.out) await writeOutputFile(o.out, data, o.pkcs12 === true);
        else process.stdout.write(data);
      }),
    );
}

interface ExportOptions {
  chain?: boolean;
  csr?: boolean;
  pkcs12?: boolean;
  passwordFile?: string;
  legacy?: boolean;
  out?: string;
  json?: boolean;
}

async function exportData(id: string, o: ExportOptions, k: Keyport): Promise<string | Buffer> {
  if ([o.chain, o.csr, o.pkcs12].filter(Boolean).length !== 1) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', 'Say what to export: one of --chain, --csr or --pkcs12.');
  }
  if (o.chain) return k.chainPem(id);
  if (o.csr) return k.csrFor(id);
  if (o.passwordFile === undefined) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', 'A PKCS#12 export needs a password: give it with --password-file FILE.');
  }
  if (!o.out && process.stdout.isTTY) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', 'A PKCS#12 is binary: write it to a file with --out FILE.');
  }
  return k.exportPkcs12(id, await readSecretFile(o.passwordFile, 'password'), o.legacy === true);
}
