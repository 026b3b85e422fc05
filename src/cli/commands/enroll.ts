import type { Command } from 'commander';
import { UNIT_SECONDS } from '../../shared/duration';
import { KeyportError } from '../../shared/errors';
import type { Keyport } from '../../core/app';
import { readInputFile } from '../../core/input-file';
import { KeyAlgorithms, type KeyAlgorithm } from '../../core/keystores/types';
import { renewalView, type RenewalView } from '../../core/enroll/renewal-view';
import { action } from '../action';
import { print } from '../output';
import { readSecretFile } from '../secrets';
import { parseDestination } from './keys';

/** `enroll step-ca`, `renew`, `renewal set|show`, `roots refresh`. */
export function registerEnrollmentCommands(program: Command): void {
  // `enroll` is shared with the ACME provider's `enroll acme`: whoever registers first creates it.
  const enroll = program.commands.find((c) => c.name() === 'enroll') ?? program.command('enroll').description('get a certificate from a CA; the key is made where it will live');
  enroll
    .command('step-ca')
    .description('enroll with a step-ca and a one-time token; only a CSR leaves the key store')
    .requiredOption('--ca-url <url>', 'the CA, e.g. https://ca.example:9000')
    .requiredOption('--root <file>', "the CA's root certificate (PEM), to trust its HTTPS")
    .requiredOption('--token-file <file>', 'a file holding the one-time token (`step ca token NAME`)')
    .requiredOption('--to <dest>', 'keychain or pkcs11:TOKEN_LABEL')
    .option('--alg <alg>', `key algorithm: ${KeyAlgorithms.join(', ')}`, 'EC-P256')
    .option('--label <name>', 'identity label (default: the certificate CN)')
    .option('--json', 'print JSON')
    .action(
      action<{ caUrl: string; root: string; tokenFile: string; to: string; alg: string; label?: string; json?: boolean }>(async (_a, o, k) => {
        await recover(k);
        const id = await k.enrollment.enrollStepCa({
          caUrl: o.caUrl,
          root: await readInputFile(o.root, 'root certificate file'),
          token: (await readSecretFile(o.tokenFile, 'token')).trim(),
          to: parseDestination(o.to),
          algorithm: algorithm(o.alg),
          ...(o.label ? { label: o.label } : {}),
        });
        print({ id }, o.json === true, () => `${id}\n`);
      }),
    );

  program
    .command('renew')
    .argument('<id>', 'identity id, id prefix or label')
    .description('renew an identity now (same id); --rekey makes a new key in the same store')
    .option('--rekey', 'new key (POST /1.0/rekey) instead of keeping it')
    .option('--json', 'print JSON')
    .action(
      action<{ rekey?: boolean; json?: boolean }>(async ([id], o, k) => {
        await recover(k);
        const r = await k.enrollment.renew(id!, o.rekey ? { rekey: true } : {});
        print(r, o.json === true, () => `Renewed ${r.id}: serial ${r.serial} (was ${r.previousSerial}), valid until ${r.notAfter}${r.rekeyed ? ', new key' : ''}.\n`);
      }),
    );

  const renewal = program.command('renewal').description('how an identity is renewed');
  renewal
    .command('set')
    .argument('<id>', 'identity id, id prefix or label')
    .description('renew this identity from a step-ca (e.g. one imported from a step-ca certificate), or --manual: reminders only')
    .option('--step-ca <url>', 'the CA, e.g. https://ca.example:9000')
    .option('--root <file>', "the CA's root certificate (PEM)")
    .option('--manual', 'no CA: renew by hand (export --csr, attach); Keyport only reminds')
    .option('--at <share>', 'renew after this share of the lifetime (0-1)', '0.66')
    .option('--rekey', 'make a new key at each renewal')
    .option('--notify-before <list>', 'reminders before expiry, e.g. 7d,1d,2h (expiry always notifies)')
    .option('--json', 'print JSON')
    .action(
      action<{ stepCa?: string; root?: string; manual?: boolean; at: string; rekey?: boolean; notifyBefore?: string; json?: boolean }>(async ([id], o, k) => {
        const notifyBefore = o.notifyBefore === undefined ? undefined : durations(o.notifyBefore);
        if (o.manual) {
          const s = await k.enrollment.configureManual(id!, notifyBefore);
          print(s, o.json === true, () => `Identity ${id} is renewed by hand; Keyport reminds before it expires.
`);
          return;
        }
        if (!o.stepCa || !o.root) throw new KeyportError('KEYPORT_INVALID_ARGUMENT', 'Say where renewals come from: --step-ca URL --root FILE, or --manual.');
        const at = Number(o.at);
        if (!(at > 0 && at < 1)) throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Cannot use --at ${o.at}: give a share of the lifetime between 0 and 1, such as 0.66.`);
        const root = await readInputFile(o.root, 'root certificate file');
        const s = await k.enrollment.configureStepCa(id!, { caUrl: o.stepCa, root, at, rekey: o.rekey === true, ...(notifyBefore ? { notifyBefore } : {}) });
        print(s, o.json === true, () => `Identity ${id} will be renewed from ${o.stepCa} at ${Math.round(at * 100)}% of its lifetime.\n`);
      }),
    );
  renewal
    .command('show')
    .argument('<id>', 'identity id, id prefix or label')
    .description('provider, next run, last result and history')
    .option('--json', 'print JSON')
    .action(
      action<{ json?: boolean }>(async ([id], o, k) => {
        const view = renewalView(await k.record(id!));
        print(view, o.json === true, () => renewalText(view));
      }),
    );

  program
    .command('roots')
    .description("the CAs' trust bundles")
    .command('refresh')
    .description("fetch every CA's current roots (GET /roots, /federation) into its bundle file")
    .option('--json', 'print JSON')
    .action(
      action<{ json?: boolean }>(async (_a, o, k) => {
        await recover(k);
        const report = await k.enrollment.refreshRoots();
        for (const w of report.flatMap((r) => r.warnings)) process.stderr.write(`keyport: warning: ${w}\n`);
        print(report, o.json === true, () =>
          report.map((r) => `${r.name}: ${r.roots.length} root(s), ${r.added.length} added, ${r.removed.length} removed (${r.file})\n`).join('') || 'No CA to refresh.\n',
        );
      }),
    );
}

/** Finishes or undoes a key operation a crash interrupted (see core/enroll/journal.ts). */
export async function recover(k: Keyport): Promise<void> {
  for (const line of await k.enrollment.journal.recover()) process.stderr.write(`keyport: ${line}\n`);
}

function renewalText(v: RenewalView): string {
  const from = v.provider.kind === 'step-ca' ? ` (${v.provider.caUrl})` : v.provider.kind === 'acme' ? ` (${v.provider.directory})` : '';
  const last = v.state.lastError ? `failed: ${v.state.lastError.message}` : v.state.lastSuccessAt ? `renewed at ${v.state.lastSuccessAt}` : 'none yet';
  const lines = [
    `${v.id} "${v.label}": ${v.provider.kind}${from}, renew at ${Math.round(v.at * 100)}% of the lifetime${v.rekey ? ' with a new key' : ''}`,
    `valid until ${v.notAfter}; next run ${v.state.needsReenroll ? 'never: needs re-enroll' : (v.nextRunAt ?? 'none (reminders only)')}`,
    `last result: ${last}${v.state.failures ? ` (${v.state.failures} failures in a row)` : ''}`,
    ...v.history.map((h) => `previous: serial ${h.serial}, valid until ${h.notAfter}, replaced ${h.retiredAt} (${h.reason})`),
  ];
  return `${lines.join('\n')}\n`;
}

/** `7d,1d,2h` as seconds. */
function durations(list: string): number[] {
  return list.split(',').map((part) => {
    const m = /^\s*(\d+(?:\.\d+)?)([smhd])\s*$/.exec(part);
    if (!m || Number(m[1]) <= 0) throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Cannot read "${part}" in --notify-before: write durations such as 7d,1d,2h,30m.`);
    return Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
  });
}

function algorithm(alg: string): KeyAlgorithm {
  if ((KeyAlgorithms as readonly string[]).includes(alg)) return alg as KeyAlgorithm;
  throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Unknown key algorithm "${alg}": use one of ${KeyAlgorithms.join(', ')}.`);
}
