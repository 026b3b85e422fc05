import type { Command } from 'commander';
import { KeyportError } from '../../shared/errors';
import type { KeyDestination } from '../../core/identities/service';
import { readInputFile } from '../../core/input-file';
import { KeyAlgorithms, type KeyAlgorithm } from '../../core/keystores/types';
import { readCertificates } from '../../core/pki/pem';
import { action } from '../action';
import { checkWritable, writeOutputFile } from '../output-file';
import { print } from '../output';
import { collect } from '../options';

/** Parses `--to keychain|pkcs11:TOKEN_LABEL`. */
export function parseDestination(to: string | undefined): KeyDestination {
  if (to === undefined || to === 'keychain') return { kind: 'keychain' };
  const m = /^pkcs11:(.+)$/.exec(to);
  if (m) return { kind: 'pkcs11', token: m[1]! };
  throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Unknown destination "${to}": use --to keychain or --to pkcs11:TOKEN_LABEL.`);
}

/** Parses `--alg`. */
export function parseAlgorithm(alg: string): KeyAlgorithm {
  if ((KeyAlgorithms as readonly string[]).includes(alg)) return alg as KeyAlgorithm;
  throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Unknown key algorithm "${alg}": use one of ${KeyAlgorithms.join(', ')}.`);
}

/** `keygen` and `attach`. */
export function registerKeyCommands(program: Command): void {
  program
    .command('keygen')
    .description('create a key where it will live (keychain or token) and print its CSR')
    .requiredOption('--to <dest>', 'keychain or pkcs11:TOKEN_LABEL')
    .option('--alg <alg>', `key algorithm: ${KeyAlgorithms.join(', ')}`, 'EC-P256')
    .requiredOption('--subject <dn>', 'subject DN, e.g. "CN=alice,O=Example"')
    .option('--san <name>', 'subject alternative name (DNS:, IP:, email:, URI:); repeatable', collect, [])
    .option('--label <name>', 'label for the key and later the identity')
    .option('--out <file>', 'write the CSR here instead of stdout')
    .option('--json', 'print JSON')
    .action(
      action<{ to: string; alg: string; subject: string; san: string[]; label?: string; out?: string; json?: boolean }>(
        async (_args, o, k) => {
          if (o.out) await checkWritable(o.out);
          const result = await k.identities.keygen({
            to: parseDestination(o.to),
            algorithm: parseAlgorithm(o.alg),
            subject: o.subject,
            sans: o.san,
            label: o.label,
          });
          if (o.out) await writeOutputFile(o.out, result.csr);
          print(result, o.json === true, () =>
            o.out ? `Key ${result.keyId} created; CSR written to ${o.out}.\n` : `${result.csr}`,
          );
          if (!o.json) process.stderr.write(`key id: ${result.keyId} (attach the issued certificate with \`keyport attach ${result.keyId} CERT\`)\n`);
        },
      ),
    );

  program
    .command('attach')
    .argument('<keyId>', 'the key id keygen printed')
    .argument('<certfile>', 'the issued certificate, PEM (with its chain) or DER')
    .description('turn a key made by keygen and its issued chain into an identity')
    .option('--label <name>', 'identity label (default: the certificate CN)')
    .option('--json', 'print JSON')
    .action(
      action<{ label?: string; json?: boolean }>(async ([keyId, certFile], o, k) => {
        const certs = readCertificates(await readInputFile(certFile!, 'certificate file'), `certificate file ${certFile}`);
        const id = await k.identities.attach(keyId!, certs, o.label);
        print({ id }, o.json === true, () => `${id}\n`);
      }),
    );
}
