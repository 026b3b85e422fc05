import type { Command } from 'commander';
import type { Keyport } from '../../core/app';
import { EndpointNameSchema, EndpointStore, registryIdentities, runProbe, type Endpoint } from '../../core/probe';
import { KeyportError, toKeyportError } from '../../shared/errors';
import { action } from '../action';
import { ExitCode } from '../exit-codes';
import { collect } from '../options';
import { print } from '../output';
import { parseHeaders, parseMethod, parseTimeout, probeOptions, requestOptions, type ProbeFlags, type ProbeSpec } from '../probe-run';
import { paintFor, reportText, resultsTable, type AllRow } from '../report-text';

interface TestOpts extends ProbeFlags {
  identity?: string;
  all?: boolean;
  timeout: string;
}

/** `keyport test URL|NAME` and `keyport test --all`. */
export function registerTestCommand(program: Command): void {
  const test = program
    .command('test')
    .argument('[target]', 'https://host[:port]/path, or the name of a saved endpoint')
    .description('a connection test with a diagnosis: DNS, TCP, the mTLS handshake, then an HTTP request')
    .option('--identity <id>', 'identity id or label, "auto" (chosen from the server\'s CertificateRequest; the default) or "none"')
    .option('--ca <file>', 'trust this CA (PEM or DER) for the server; repeatable', collect, []);
  requestOptions(test)
    .option('--allow-tls12-without-ems', 'accept TLS 1.2 without the extended master secret (reported as a warning)')
    .option('--all', 'test every saved endpoint, in parallel, with a one-line table')
    .option('--timeout <ms>', 'time limit per step', '15000')
    .option('--json', 'print JSON')
    .action(
      action<TestOpts>(async ([target], o, k) => {
        const timeoutMs = parseTimeout(o.timeout);
        if (o.all) return testAll(k, o, timeoutMs, target);
        if (!target) throw new KeyportError('KEYPORT_INVALID_ARGUMENT', 'Give a URL or a saved endpoint name to test, or --all.');
        const store = new EndpointStore(k.registry.dataDir);
        const saved = isEndpointName(target) ? await store.get(target) : undefined;
        const spec = saved ? endpointSpec(saved, o, timeoutMs) : urlSpec(target, o, timeoutMs);
        const report = await runProbe(await probeOptions(k, spec));
        if (saved) await store.record(saved.name, report);
        print(report, o.json === true, () => reportText(report, paintFor(process.stdout)));
        if (!report.ok) process.exitCode = ExitCode.rejected;
      }),
    );
}

/** A target without "://" that is a valid endpoint name names a saved endpoint. */
function isEndpointName(target: string): boolean {
  return !target.includes('://') && EndpointNameSchema.safeParse(target).success;
}

function urlSpec(url: string, o: TestOpts, timeoutMs: number): ProbeSpec {
  const method = parseMethod(o.method);
  const headers = parseHeaders(o.header);
  return {
    url,
    identity: o.identity ?? 'auto',
    ca: o.ca,
    ...(o.servername ? { servername: o.servername } : {}),
    ...(method ? { method } : {}),
    ...(headers ? { headers } : {}),
    http: o.http,
    allowTls12WithoutEms: o.allowTls12WithoutEms === true,
    timeoutMs,
  };
}

/** A saved endpoint's spec; only --identity and --timeout may change it for one run. */
export function endpointSpec(e: Endpoint, o: TestOpts, timeoutMs: number): ProbeSpec {
  const overrides = [o.ca.length > 0 && '--ca', o.servername && '--servername', o.method && '--method', o.header.length > 0 && '--header', !o.http && '--no-http', o.allowTls12WithoutEms && '--allow-tls12-without-ems'].filter(Boolean);
  if (overrides.length > 0) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `${overrides.join(', ')} cannot change saved endpoint "${e.name}": remove it and add it again with the new options.`);
  }
  return {
    url: e.url,
    identity: o.identity ?? e.identity,
    ca: e.ca,
    ...(e.servername ? { servername: e.servername } : {}),
    ...(e.method ? { method: e.method } : {}),
    ...(e.headers ? { headers: e.headers } : {}),
    http: e.http,
    allowTls12WithoutEms: e.allowTls12WithoutEms,
    timeoutMs,
  };
}

/** Every saved endpoint at once; each result goes to its history; exit 0 only when all passed. */
async function testAll(k: Keyport, o: TestOpts, timeoutMs: number, target: string | undefined): Promise<void> {
  if (target) throw new KeyportError('KEYPORT_INVALID_ARGUMENT', 'Give either --all or one URL or endpoint name, not both.');
  const store = new EndpointStore(k.registry.dataDir);
  const endpoints = await store.list();
  if (endpoints.length === 0) throw new KeyportError('KEYPORT_NOT_FOUND', 'No saved endpoints: add one with keyport endpoints add NAME URL.');
  const candidates = await registryIdentities(k);
  const rows: AllRow[] = await Promise.all(
    endpoints.map(async (e) => {
      try {
        return { name: e.name, report: await runProbe(await probeOptions(k, endpointSpec(e, o, timeoutMs), candidates)) };
      } catch (err) {
        const { code, message } = toKeyportError(err);
        return { name: e.name, url: e.url, error: { code, message } };
      }
    }),
  );
  for (const row of rows) if (row.report) await store.record(row.name, row.report); // one after another: each is a locked read-modify-write
  print(rows, o.json === true, () => resultsTable(rows, paintFor(process.stdout)));
  if (!rows.every((r) => r.report?.ok)) process.exitCode = ExitCode.rejected;
}
