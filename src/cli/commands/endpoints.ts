import type { Command } from 'commander';
import { readInputFile } from '../../core/input-file';
import { EndpointNameSchema, EndpointStore, parseTestUrl, registryIdentity, type Endpoint } from '../../core/probe';
import { KeyportError } from '../../shared/errors';
import { action } from '../action';
import { collect } from '../options';
import { print, table } from '../output';
import { parseHeaders, parseMethod, requestOptions, type ProbeFlags } from '../probe-run';

interface AddOpts extends ProbeFlags {
  identity: string;
}

/** `keyport endpoints add|list|remove|history`: saved connection tests, re-run with `keyport test NAME`. */
export function registerEndpointCommands(program: Command): void {
  const endpoints = program.command('endpoints').description('saved endpoints: re-run with keyport test NAME or keyport test --all');

  const add = endpoints
    .command('add')
    .argument('<name>', 'a short name (letters, digits, . _ -)')
    .argument('<url>', 'https://host[:port]/path')
    .option('--identity <id>', 'identity id or label, "auto" or "none"', 'auto')
    .option('--ca <file>', 'trust this CA (PEM or DER) for the server; repeatable (the file is read at each test)', collect, []);
  requestOptions(add)
    .option('--allow-tls12-without-ems', 'accept TLS 1.2 without the extended master secret for this endpoint')
    .option('--json', 'print JSON')
    .action(
      action<AddOpts>(async ([name, url], o, k) => {
        const parsedName = EndpointNameSchema.safeParse(name);
        if (!parsedName.success) throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `"${name}" is not an endpoint name: ${parsedName.error.issues[0]?.message}.`);
        parseTestUrl(url!);
        await Promise.all(o.ca.map((f) => readInputFile(f, 'CA file')));
        const identity = o.identity === 'auto' || o.identity === 'none' ? o.identity : (await registryIdentity(k, o.identity)).id;
        const method = parseMethod(o.method);
        const headers = parseHeaders(o.header);
        const saved = await new EndpointStore(k.registry.dataDir).add({
          name: parsedName.data,
          url: url!,
          identity,
          ca: o.ca,
          ...(o.servername ? { servername: o.servername } : {}),
          ...(method ? { method } : {}),
          ...(headers ? { headers } : {}),
          http: o.http,
          allowTls12WithoutEms: o.allowTls12WithoutEms === true,
        });
        print(summaryOf(saved), o.json === true, () => `Saved endpoint ${saved.name}: ${saved.url}\n`);
      }),
    );

  endpoints
    .command('list')
    .option('--json', 'print JSON')
    .description('saved endpoints with their last result')
    .action(
      action<{ json?: boolean }>(async (_args, o, k) => {
        const list = (await new EndpointStore(k.registry.dataDir).list()).map(summaryOf);
        const rows = [['NAME', 'URL', 'IDENTITY', 'LAST'], ...list.map((e) => [e.name, e.url, e.identity, e.last ? `${e.last.ok ? 'OK' : 'FAILED'} ${e.last.startedAt}` : '-'])];
        print(list, o.json === true, () => (list.length ? table(rows) : 'No saved endpoints: add one with keyport endpoints add NAME URL.\n'));
      }),
    );

  endpoints
    .command('history')
    .argument('<name>')
    .option('--json', 'print JSON')
    .description('the last results of a saved endpoint, oldest first')
    .action(
      action<{ json?: boolean }>(async ([name], o, k) => {
        const e = await new EndpointStore(k.registry.dataDir).get(name!);
        const rows = e.history.map((r) => [r.startedAt, r.ok ? 'OK' : 'FAILED', r.diagnoses[0]?.code ?? '']);
        print(e.history, o.json === true, () => (rows.length ? table(rows) : `No results yet: run keyport test ${e.name}.\n`));
      }),
    );

  endpoints
    .command('remove')
    .argument('<name>')
    .description('forget a saved endpoint and its history')
    .action(
      action<{ json?: boolean }>(async ([name], _o, k) => {
        await new EndpointStore(k.registry.dataDir).remove(name!);
      }),
    );
}

/** An endpoint as `list` shows it: its settings and its last result, without the whole history. */
function summaryOf(e: Endpoint) {
  const { history, ...settings } = e;
  const last = history.at(-1);
  return { ...settings, results: history.length, ...(last ? { last: { ok: last.ok, startedAt: last.startedAt, diagnoses: last.diagnoses.map((d) => d.code) } } : {}) };
}
