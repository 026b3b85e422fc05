import { describe, expect, it } from 'vitest';
import { version } from '../../package.json';
import { createClient } from './client';
import { methodNames } from './contract';
import { createEventHub } from './events';
import { serveContract } from './serve';
import { identity, memoryServices } from '../../test/fixtures/memory-services';

describe('serveContract', () => {
  it('answers each method with a Result of its response', async () => {
    const services = memoryServices();
    expect(await serveContract(services, 'app.version', undefined)).toEqual({
      ok: true,
      value: { name: 'Keyport', version },
    });
    expect(await serveContract(services, 'identities.list', {})).toEqual({ ok: true, value: [identity] });
    const shown = await serveContract(services, 'identities.show', { id: 'id-1' });
    expect(shown.ok && (shown.value as { chainPem: string }).chainPem).toContain('BEGIN CERTIFICATE');
    expect(await serveContract(services, 'tokens.list', {})).toEqual({ ok: true, value: [] });
    expect(await serveContract(services, 'identities.remove', { id: 'id-1' })).toEqual({ ok: true, value: null });
    expect(services.calls).toEqual(['list', 'show id-1', 'tokens', 'remove id-1']);
  });

  it.each([
    ['identities.show', {}, /id/],
    ['identities.show', { id: 42 }, /id/],
    ['identities.show', { id: '' }, /empty/],
    ['identities.show', { id: 'x'.repeat(129) }, /too long/],
    ['identities.show', { id: 'id-1', extra: true }, /extra/],
    ['identities.remove', null, /identities\.remove/],
    ['identities.list', 'all', /identities\.list/],
    ['tokens.list', { verbose: true }, /verbose/],
  ])('rejects %s with body %j as KEYPORT_INVALID_REQUEST without calling the core', async (method, body, reason) => {
    const services = memoryServices();
    const answer = await serveContract(services, method, body);
    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(answer.error.code).toBe('KEYPORT_INVALID_REQUEST');
    expect(answer.error.message).toMatch(reason);
    expect(answer.error.message).not.toMatch(/\n|at .*\(/);
    expect(services.calls).toEqual([]);
  });

  it.each(['no.such', '__proto__', 'toString', 'constructor', 'identities'])(
    'rejects the unknown method %s',
    async (method) => {
      const answer = await serveContract(memoryServices(), method, {});
      expect(answer).toMatchObject({ ok: false, error: { code: 'KEYPORT_INVALID_REQUEST' } });
    },
  );

  it('keeps the code and sentence of a KeyportError', async () => {
    const answer = await serveContract(memoryServices(), 'identities.show', { id: 'nope' });
    expect(answer).toEqual({
      ok: false,
      error: { code: 'KEYPORT_NOT_FOUND', message: 'No identity with id nope: run `keyport list`.' },
    });
  });

  it('maps other faults to KEYPORT_INTERNAL without a stack and reports them', async () => {
    const fault = new TypeError('boom');
    const reported: unknown[] = [];
    const answer = await serveContract(memoryServices(fault), 'identities.list', {}, {
      onInternalError: (e) => reported.push(e),
    });
    expect(answer).toEqual({
      ok: false,
      error: { code: 'KEYPORT_INTERNAL', message: 'Keyport failed to answer identities.list: boom' },
    });
    expect(JSON.stringify(answer)).not.toContain('at ');
    expect(reported).toEqual([fault]);
  });

  it('maps a thrown non-Error to KEYPORT_INTERNAL', async () => {
    const answer = await serveContract(memoryServices('plain string'), 'identities.list', {});
    expect(answer).toMatchObject({ ok: false, error: { code: 'KEYPORT_INTERNAL' } });
  });

  it('publishes identities.changed after a removal, and not after a failed one', async () => {
    const events = createEventHub();
    const seen: unknown[] = [];
    const unsubscribe = events.subscribe('identities.changed', (payload) => seen.push(payload));
    const services = memoryServices();
    await serveContract(services, 'identities.remove', { id: 'nope' }, { events });
    expect(seen).toEqual([]);
    await serveContract(services, 'identities.remove', { id: 'id-1' }, { events });
    expect(seen).toEqual([{ change: 'removed', id: 'id-1' }]);
    unsubscribe();
    events.emit('identities.changed', { change: 'added' });
    expect(seen).toHaveLength(1);
  });
});

describe('createClient over serveContract', () => {
  it('exposes one function per method and round-trips Results', async () => {
    const events = createEventHub();
    const services = memoryServices();
    const api = createClient({
      invoke: (method, request) => serveContract(services, method, structuredClone(request), { events }),
      subscribe: (event, listener) => events.subscribe(event, listener),
    });
    for (const method of methodNames) {
      const [ns, fn] = method.split('.') as [keyof typeof api, string];
      expect(typeof (api[ns] as Record<string, unknown>)[fn]).toBe('function');
    }
    expect(await api.identities.list()).toEqual({ ok: true, value: [identity] });
    // @ts-expect-error the contract types `id` as required, and the server enforces it too.
    expect(await api.identities.show()).toMatchObject({ ok: false, error: { code: 'KEYPORT_INVALID_REQUEST' } });
    const changes: unknown[] = [];
    const stop = api.identities.onChanged((change) => changes.push(change));
    expect(await api.identities.remove({ id: 'id-1' })).toEqual({ ok: true, value: null });
    stop();
    expect(changes).toEqual([{ change: 'removed', id: 'id-1' }]);
  });

  it('turns a failing transport or a malformed answer into an error Result', async () => {
    const down = createClient({
      invoke: () => Promise.reject(new Error('connection refused')),
      subscribe: () => () => {},
    });
    expect(await down.app.version()).toMatchObject({ ok: false, error: { code: 'KEYPORT_UNAVAILABLE' } });
    const garbled = createClient({ invoke: async () => ({ hello: 1 }), subscribe: () => () => {} });
    expect(await garbled.tokens.list()).toMatchObject({ ok: false, error: { code: 'KEYPORT_INTERNAL' } });
  });
});
