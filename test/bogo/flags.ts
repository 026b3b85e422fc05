/**
 * The BoGo shim's command line (BoringSSL ssl/test/test_config.cc): flags are single-dash,
 * some take one value, values of repeated flags accumulate. A prefix picks which connection a
 * flag applies to: `-on-initial-`, `-on-resume-` (the resumptions) and `-on-retry-` (after a
 * 0-RTT reject); `-on-handshaker-` flags belong to BoringSSL's split-handshake helper.
 */

/** Flags that take a value; every other known flag is boolean. */
const VALUE_FLAGS = new Set([
  // numbers
  '-port', '-resume-count', '-min-version', '-max-version', '-expect-version', '-expect-cipher',
  '-expect-cipher-aes', '-expect-cipher-no-aes', '-expect-curve-id', '-expect-peer-signature-algorithm',
  '-expect-ticket-age-skew', '-expect-total-renegotiations', '-export-keying-material',
  '-initial-timeout-duration-ms', '-install-one-cert-compression-alg', '-max-cert-list',
  '-max-send-fragment', '-mtu', '-quic-use-legacy-codepoint', '-read-size', '-resumption-delay',
  '-early-write-after-message',
  // repeated numbers
  '-curves', '-signing-prefs', '-verify-prefs', '-expect-peer-verify-pref', '-ech-is-retry-config',
  // strings and base64
  '-advertise-alpn', '-advertise-npn', '-cert-file', '-cipher', '-delegated-credential',
  '-expect-advertised-alpn', '-expect-alpn', '-expect-client-ca-list', '-expect-early-data-reason',
  '-expect-ech-name-override', '-expect-late-alpn', '-expect-msg-callback', '-expect-next-proto',
  '-expect-peer-cert-file', '-expect-server-name', '-export-context', '-export-label',
  '-handshaker-path', '-host-name', '-key-file', '-psk', '-psk-identity', '-quic-early-data-context',
  '-select-alpn', '-select-next-proto', '-send-channel-id', '-srtp-profiles', '-use-client-ca-list',
  '-write-settings', '-ech-config-list', '-expect-certificate-types', '-expect-channel-id',
  '-expect-ech-retry-configs', '-expect-ocsp-response', '-expect-quic-transport-params',
  '-expect-signed-cert-timestamps', '-ocsp-response', '-quic-transport-params',
  '-signed-cert-timestamps', '-ticket-key', '-ech-server-config', '-ech-server-key',
  '-expect-peer-application-settings', '-application-settings',
]);

/** Raised for anything the shim cannot run; the shim then exits 89 ("unimplemented"). */
export class Unimplemented extends Error {}

/** The flags of one connection: name → the values given, in order (`''` for a boolean). */
export class ConnFlags {
  readonly values = new Map<string, string[]>();

  add(name: string, value: string): void {
    const list = this.values.get(name) ?? [];
    list.push(value);
    this.values.set(name, list);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** The last value of `name`. */
  str(name: string): string | undefined {
    return this.values.get(name)?.at(-1);
  }

  /** The last value of `name` as a number (0 when absent, as in BoringSSL). */
  int(name: string): number {
    const v = this.str(name);
    if (v === undefined) return 0;
    if (!/^-?\d+$/.test(v)) throw new Error(`Invalid parameter for ${name}: ${v}`);
    return Number(v);
  }

  /** Every value of a repeated numeric flag. */
  ints(name: string): number[] {
    return (this.values.get(name) ?? []).map((v) => Number(v));
  }
}

/** The flags of each connection a shim run makes. */
export interface ShimArgs {
  initial: ConnFlags;
  resume: ConnFlags;
  /** Unprefixed and prefixed flag names seen, for the unsupported-flag check. */
  names: Set<string>;
}

const CONNECTION_PREFIXES = ['-on-initial', '-on-resume', '-on-retry'] as const;

/** Strips `prefix` when `name` is `prefix` + `-...`; returns the rest or undefined. */
function stripPrefix(name: string, prefix: string): string | undefined {
  return name.startsWith(`${prefix}-`) ? name.slice(prefix.length) : undefined;
}

/** Parses the shim's argv (without node and script). Unknown flags throw Unimplemented. */
export function parseShimArgs(argv: readonly string[], known: (name: string) => boolean): ShimArgs {
  const args: ShimArgs = { initial: new ConnFlags(), resume: new ConnFlags(), names: new Set() };
  for (let i = 0; i < argv.length; i++) {
    let name = argv[i] as string;
    let skip = false;
    const shimOnly = stripPrefix(name, '-on-shim');
    const handshakerOnly = stripPrefix(name, '-on-handshaker');
    if (shimOnly) name = shimOnly;
    else if (handshakerOnly) [name, skip] = [handshakerOnly, true];

    let target: 'initial' | 'resume' | 'retry' | 'all' = 'all';
    for (const prefix of CONNECTION_PREFIXES) {
      const rest = stripPrefix(name, prefix);
      if (rest) {
        name = rest;
        target = prefix === '-on-initial' ? 'initial' : prefix === '-on-resume' ? 'resume' : 'retry';
        break;
      }
    }
    if (!known(name)) throw new Unimplemented(`unknown flag ${name}`);
    let value = '';
    if (VALUE_FLAGS.has(name)) {
      if (i + 1 >= argv.length) throw new Error(`Missing parameter for ${name}`);
      value = argv[++i] as string;
    }
    if (skip) continue;
    args.names.add(name);
    if (target === 'all' || target === 'initial') args.initial.add(name, value);
    if (target === 'all' || target === 'resume') args.resume.add(name, value);
  }
  return args;
}
