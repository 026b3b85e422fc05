/**
 * Forged and malformed requests, for every method of the contract: each field of a valid request
 * replaced by values of other types and by oversized strings, each required field removed, extra
 * and prototype-polluting fields added, and non-object bodies. Every one must be refused with
 * KEYPORT_INVALID_REQUEST and one sentence before the core is called.
 */
import { describe, expect, it } from 'vitest';
import { memoryServices } from '../../test/fixtures/memory-services';
import { methodNames, type MethodName, type RequestOf } from './contract';
import { serveContract } from './serve';

const file = { name: 'a.p12', dataBase64: 'MIIB' };
const token = { module: '/usr/lib/softhsm/libsofthsm2.so', token: 'ci' };

/** One valid request per method; `satisfies` makes a new method without an entry a compile error. */
const valid = {
  'app.version': {},
  'app.takeOpenedFiles': {},
  'identities.list': {},
  'identities.show': { id: 'id-1' },
  'identities.remove': { id: 'id-1' },
  'identities.import': { file, key: file, password: 'pw', to: { kind: 'pkcs11', token: 'ci' }, label: 'dev', progressId: 'p-1' },
  'identities.export': { id: 'id-1', format: 'pkcs12', password: 'pw', legacy: false },
  'keys.generate': { to: { kind: 'keychain' }, algorithm: 'EC-P256', subject: 'CN=dev', sans: ['DNS:dev'], label: 'dev', progressId: 'p-2' },
  'keys.pending': {},
  'keys.attach': { keyId: 'k-1', certificate: file, label: 'dev' },
  'tokens.list': {},
  'tokens.login': { ...token, pin: '1234' },
  'tokens.logout': token,
  'connection.test': { url: 'https://127.0.0.1:8443/', identity: 'auto', ca: [file], servername: 'dev', method: 'HEAD', http: true, timeoutMs: 1000 },
  'endpoints.list': {},
  'endpoints.add': { name: 'api', url: 'https://api.example/', identity: 'auto', servername: 'api', method: 'GET', http: true },
  'endpoints.remove': { name: 'api' },
  'endpoints.test': { name: 'api', identity: 'id-1' },
  'settings.get': {},
  'settings.set': { theme: 'dark', pinIdleTimeoutMinutes: 5, notifications: false },
  'pin.answer': { requestId: 'waiting', pin: '1234' },
  'pin.cancel': { requestId: 'waiting' },
  'routes.list': {},
  'routes.add': { route: { name: 'api', listen: '127.0.0.1:7000', upstream: 'api.internal:443', identity: 'id-1', ca: [file], servername: 'api', alpn: ['h2'], maxConnections: 10, idleTimeout: 60 } },
  'routes.update': { name: 'api', route: { name: 'api', listen: '[::1]:7000', upstream: 'api.internal:443', identity: 'id-1' } },
  'routes.remove': { name: 'api' },
  'routes.start': {},
  'routes.stop': {},
  'routes.diagnose': { name: 'api', http: true },
  'renewal.show': { id: 'id-1' },
  'renewal.set': { id: 'id-1', provider: { kind: 'step-ca', caUrl: 'https://127.0.0.1:9000', root: file }, at: 0.5, rekey: true, notifyBefore: [86400] },
  'renewal.renewNow': { id: 'id-1', rekey: false },
  'renewal.refreshRoots': {},
  'audit.list': { since: '2h', route: 'api', limit: 10 },
} as const satisfies { [M in MethodName]: RequestOf<M> };

/** Values of other types than `value`'s, plus an oversized one for strings. */
function foreignValues(value: unknown): unknown[] {
  const all: unknown[] = [null, 42, 1.5, -1, true, 'text', [], {}, [1], { nested: true }];
  const others = all.filter((v) => typeof v !== typeof value || Array.isArray(v) !== Array.isArray(value) || (v === null) !== (value === null));
  return typeof value === 'string' ? [...others, 'A'.repeat(3 * 1024 * 1024)] : others;
}

/** Every malformed variant of a valid request: each path mutated, each key removed, extras added. */
function* variants(request: unknown, path: string[] = []): Generator<[string, unknown]> {
  if (typeof request !== 'object' || request === null) return;
  const entries = Array.isArray(request) ? request.map((v, i) => [String(i), v] as const) : Object.entries(request);
  for (const [key, value] of entries) {
    const at = [...path, key].join('.');
    for (const other of foreignValues(value)) yield [`${at} = ${show(other)}`, replace(request, key, other)];
    for (const [inner, mutated] of variants(value, [...path, key])) yield [inner, replace(request, key, mutated)];
  }
  if (!Array.isArray(request)) {
    yield [`${path.join('.') || 'body'} + extra field`, { ...request, evil: 1 }];
    // JSON.parse makes "__proto__" an own key, as a forged HTTP body would.
    const rest = JSON.stringify(request).slice(1);
    yield [`${path.join('.') || 'body'} + __proto__`, JSON.parse(`{"__proto__":{"polluted":true}${rest === '}' ? '' : ','}${rest}`)];
  }
}

function replace(container: object, key: string, value: unknown): unknown {
  if (Array.isArray(container)) return container.map((v, i) => (String(i) === key ? value : v));
  return { ...container, [key]: value };
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 20 ? `${text.slice(0, 12)}…(${text.length} chars)` : text;
}

/** Keys whose removal leaves a valid request (the optional ones). */
const optional: Partial<Record<MethodName, string[]>> = {
  'identities.import': ['key', 'password', 'label', 'progressId'],
  'identities.export': ['legacy'],
  'keys.generate': ['label', 'progressId'],
  'keys.attach': ['label'],
  'connection.test': ['ca', 'servername', 'method', 'http', 'timeoutMs'],
  'endpoints.add': ['identity', 'servername', 'method', 'http'],
  'endpoints.test': ['identity'],
  'settings.set': ['theme', 'pinIdleTimeoutMinutes', 'notifications'],
  'routes.diagnose': ['http'],
  'renewal.set': ['at', 'rekey', 'notifyBefore'],
  'renewal.renewNow': ['rekey'],
  'audit.list': ['since', 'route', 'limit'],
};

async function expectRefused(method: MethodName, body: unknown): Promise<void> {
  const services = memoryServices();
  const answer = await serveContract(services, method, body);
  expect(answer, `${method} accepted ${show(body)}`).toMatchObject({ ok: false, error: { code: 'KEYPORT_INVALID_REQUEST' } });
  if (!answer.ok) expect(answer.error.message).toMatch(/^Invalid [\w.]+ request[^\n]*\.$/);
  expect(services.calls).toEqual([]);
}

describe('the contract refuses forged and malformed requests', () => {
  it.each(methodNames)('%s: the valid example is accepted (so the refusals below mean something)', async (method) => {
    const answer = await serveContract(memoryServices(), method, structuredClone(valid[method]));
    expect(answer.ok).toBe(true);
  });

  it.each(methodNames)('%s: every field of another type, oversized, or nested wrong', async (method) => {
    const cases = [...variants(valid[method])];
    for (const [, body] of cases) await expectRefused(method, body);
  });

  it.each(methodNames)('%s: every required field missing', async (method) => {
    const request: Record<string, unknown> = valid[method];
    for (const key of Object.keys(request).filter((k) => !optional[method]?.includes(k))) {
      const { [key]: _removed, ...rest } = request;
      await expectRefused(method, rest);
    }
  });

  it.each(methodNames)('%s: bodies that are not objects', async (method) => {
    for (const body of [null, 0, 'x', [], true]) await expectRefused(method, body);
  });

  it('refuses a file whose bytes are not base64, and enum values it does not know', async () => {
    await expectRefused('identities.import', { ...valid['identities.import'], file: { name: 'a.p12', dataBase64: 'not base64!' } });
    await expectRefused('keys.generate', { ...valid['keys.generate'], algorithm: 'DSA-1024' });
    await expectRefused('identities.export', { id: 'id-1', format: 'pkcs8' });
    await expectRefused('settings.set', { theme: 'neon' });
    await expectRefused('settings.set', { pinIdleTimeoutMinutes: 1441 });
    await expectRefused('connection.test', { ...valid['connection.test'], ca: Array.from({ length: 17 }, () => file) });
    await expectRefused('pin.answer', { requestId: '../../etc', pin: '1' });
    await expectRefused('endpoints.add', { name: '../etc', url: 'https://x/' });
    const route = valid['routes.add'].route;
    await expectRefused('routes.add', { route: { ...route, name: '../../etc/passwd' } });
    await expectRefused('routes.add', { route: { ...route, listen: '127.0.0.1' } });
    await expectRefused('routes.add', { route: { ...route, upstream: 'a b:443' } });
    await expectRefused('renewal.set', { id: 'id-1', provider: { kind: 'step-ca', caUrl: 'http://ca.internal', root: file } });
    await expectRefused('renewal.set', { id: 'id-1', provider: { kind: 'acme' } });
    await expectRefused('renewal.set', { id: 'id-1', provider: { kind: 'manual' }, at: 1 });
    await expectRefused('audit.list', { since: 'yesterday' });
    await expectRefused('audit.list', { limit: 0 });
  });
});
