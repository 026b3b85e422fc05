/**
 * BoGo shim for Keyport's TLS client: BoringSSL's test runner (ssl/test/runner) starts this
 * once per test with bssl_shim's flags; the shim connects back to `-port` and plays the client.
 * Exit codes: 0 pass, 1 failure (reason on stderr), 89 unimplemented (a flag or configuration
 * naming a feature Keyport does not have; test/bogo/config.json lists each with its reason).
 * Built into one file by scripts/run-bogo.sh and run with plain node, since startup time counts.
 */
import config from './config.json';
import type { PriorConnection } from './checks';
import { parseShimArgs, Unimplemented, type ShimArgs } from './flags';

const EXIT_FAILURE = 1;
const EXIT_UNIMPLEMENTED = 89;

/** Flags the shim itself implements (see options.ts, checks.ts, exchange.ts). */
const HANDLED_FLAGS = new Set([
  '-port', '-resume-count', '-is-handshaker-supported', '-key-file', '-cert-file', '-signing-prefs',
  '-curves', '-min-version', '-max-version', '-no-tls1', '-no-tls11', '-no-tls12', '-no-tls13',
  '-host-name', '-advertise-alpn', '-expect-alpn', '-expect-version', '-expect-cipher',
  '-expect-curve-id', '-expect-peer-signature-algorithm', '-expect-session-miss', '-expect-no-session',
  '-expect-peer-cert-file', '-shim-writes-first', '-shim-shuts-down',
  '-check-close-notify', '-key-update', '-write-different-record-sizes',
]);

const unsupported: Record<string, string> = config.UnsupportedFlags;
const ignored: Record<string, string> = config.IgnoredFlags;

function isKnown(name: string): boolean {
  return HANDLED_FLAGS.has(name) || name in unsupported || name in ignored;
}

function rejectUnsupported(args: ShimArgs): void {
  for (const name of args.names) {
    const reason = unsupported[name];
    if (reason !== undefined) throw new Unimplemented(`${name}: ${reason}`);
  }
}

async function run(argv: string[]): Promise<number> {
  const args = parseShimArgs(argv, isKnown);
  if (args.initial.has('-is-handshaker-supported')) {
    process.stdout.write('No\n');
    return 0;
  }
  rejectUnsupported(args);
  // The TLS client loads only now: most runner invocations end above, and startup time counts.
  const { CountingSessionCache, runConnection } = await import('./exchange');
  const port = args.initial.int('-port');
  const cache = new CountingSessionCache();
  let prior: PriorConnection | undefined;
  for (let i = 0; i <= args.initial.int('-resume-count'); i++) {
    const flags = i === 0 ? args.initial : args.resume;
    try {
      prior = await runConnection(flags, port, cache, prior);
    } catch (e) {
      if (e instanceof Unimplemented) throw e;
      const code = (e as { code?: string }).code;
      process.stderr.write(`${code ? `${code}: ` : ''}${(e as Error).message}\nConnection ${i + 1} failed.\n`);
      return EXIT_FAILURE;
    }
  }
  return 0;
}

run(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (e: unknown) => {
    if (e instanceof Unimplemented) {
      process.stderr.write(`unimplemented: ${e.message}\n`);
      process.exitCode = EXIT_UNIMPLEMENTED;
      return;
    }
    process.stderr.write(`shim error: ${(e as Error).message}\n`);
    process.exitCode = EXIT_FAILURE;
  },
);
