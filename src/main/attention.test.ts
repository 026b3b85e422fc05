import { describe, expect, it } from 'vitest';
import { identity } from '../../test/fixtures/memory-services';
import type { IdentityView } from '../shared/identity';
import { expiryNotices, expiryPhrase, needingAttention, proxyPhrase, renewalNotification, ROUTE_NOTICE_EVERY_MS, routeFailureNotices, trayMenuModel, trayTooltip } from './attention';
import type { ProxyStatsEvent, RouteStats } from '../shared/app-views';

const now = new Date('2026-06-01T12:00:00Z');
const at = (id: string, status: IdentityView['status'], notAfter: string): IdentityView => ({ ...identity, id, label: id, status, notAfter });

const soon = at('soon', 'expiring', '2026-06-04T12:00:00Z');
const gone = at('gone', 'expired', '2026-05-30T00:00:00Z');
const fine = at('fine', 'valid', '2027-01-01T00:00:00Z');

describe('attention', () => {
  it('lists expiring and expired identities, soonest first', () => {
    expect(needingAttention([fine, soon, gone]).map((i) => i.id)).toEqual(['gone', 'soon']);
  });

  it.each([
    ['2026-06-04T12:00:00Z', 'expires in 3 days'],
    ['2026-06-02T13:00:00Z', 'expires in 1 day'],
    ['2026-06-01T18:00:00Z', 'expires today'],
    ['2026-06-01T11:00:00Z', 'expired today'],
    ['2026-05-31T11:00:00Z', 'expired 1 day ago'],
    ['2026-05-29T11:00:00Z', 'expired 3 days ago'],
  ])('says %s is "%s"', (notAfter, phrase) => {
    expect(expiryPhrase(notAfter, now)).toBe(phrase);
  });

  it('builds the tray menu: open, what needs attention (capped), quit', () => {
    expect(trayMenuModel([fine], now)).toEqual([
      { kind: 'open', label: 'Open Keyport' },
      { kind: 'separator' },
      { kind: 'info', label: 'All identities are valid' },
      { kind: 'separator' },
      { kind: 'quit', label: 'Quit Keyport' },
    ]);
    const menu = trayMenuModel([soon, gone, fine], now, 1);
    expect(menu.slice(2, 4)).toEqual([
      { kind: 'identity', id: 'gone', label: 'gone — expired 2 days ago' },
      { kind: 'info', label: 'and 1 more…' },
    ]);
    expect(trayTooltip([soon, gone])).toBe('Keyport — 2 identities need attention');
    expect(trayTooltip([soon])).toBe('Keyport — 1 identity needs attention');
  });

  it('notifies once per identity and status', () => {
    const shown = new Set<string>();
    expect(expiryNotices([soon, fine], shown, now)).toEqual([
      { key: 'soon:expiring', id: 'soon', title: 'soon expires soon', body: 'The certificate expires in 3 days; renew it or import a new one.' },
    ]);
    expect(expiryNotices([soon, fine], shown, now)).toEqual([]);
    expect(expiryNotices([{ ...soon, status: 'expired' }], shown, now).map((n) => n.title)).toEqual(['soon has expired']);
  });

  it('shows the proxy state in the tray, with start or stop', () => {
    const stats = (route: string, active: number) => ({ route, listen: '127.0.0.1:1', upstream: 'u:443', active, total: active, bytesUp: 0, bytesDown: 0, handshakesFull: 0, handshakesResumed: 0, handshakeMsP50: null, handshakeMsP95: null, errors: {} });
    const running = { running: true, routes: [stats('a', 2), stats('b', 1)] };
    expect(proxyPhrase(running)).toBe('Proxy: 2 routes running, 3 connections open');
    expect(proxyPhrase({ running: true, routes: [stats('a', 1)] })).toBe('Proxy: 1 route running, 1 connection open');
    expect(proxyPhrase({ running: false, routes: [] })).toBe('Proxy: stopped');
    expect(trayMenuModel([fine], now, 8, running).slice(2, 5)).toEqual([
      { kind: 'info', label: 'Proxy: 2 routes running, 3 connections open' },
      { kind: 'proxy', label: 'Stop routes', action: 'stop' },
      { kind: 'separator' },
    ]);
    expect(trayMenuModel([fine], now, 8, { running: false, routes: [] })[3]).toEqual({ kind: 'proxy', label: 'Start routes', action: 'start' });
    expect(trayTooltip([soon], running)).toBe('Keyport — 1 identity needs attention\nProxy: 2 routes running, 3 connections open');
    expect(trayTooltip([], { running: false, routes: [] })).toBe('Keyport');
  });

  it('turns failed renewals and needed re-enrollments into notices, nothing else', () => {
    const failed = renewalNotification({ type: 'renew-failed', id: 'x', code: 'KEYPORT_ENROLL_CA_UNREACHABLE', message: 'Cannot reach the CA at https://ca:9000.', failures: 2, retryAt: '2026-06-01T12:01:00Z' }, 'api');
    expect(failed).toMatchObject({ key: 'x:renew-failed:2', id: 'x', title: 'Renewing api failed', body: expect.stringMatching(/^Cannot reach the CA at https:\/\/ca:9000\. Keyport retries at /) });
    expect(renewalNotification({ type: 'needs-reenroll', id: 'x', notAfter: '', message: 'Enroll it again.' }, 'api')).toEqual({ key: 'x:reenroll', id: 'x', title: 'api needs a new enrollment', body: 'Enroll it again.' });
    expect(renewalNotification({ type: 'renewed', id: 'x', serial: '2', previousSerial: '1', notAfter: '', rekeyed: false }, 'api')).toBeUndefined();
    expect(renewalNotification({ type: 'clock-jump', seconds: 3600 }, 'api')).toBeUndefined();
  });

  it('notifies a route whose connections fail once per route and code in ten minutes, for a newer failure only, and never for the proxy doing its job', () => {
    const t0 = Date.parse('2026-06-01T12:00:00Z');
    const route = (name: string, code: string, at: number): RouteStats => ({
      route: name, listen: '127.0.0.1:1', upstream: 'u:443', active: 0, total: 1, bytesUp: 0, bytesDown: 0, handshakesFull: 0, handshakesResumed: 0, handshakeMsP50: null, handshakeMsP95: null,
      errors: { [code]: 1 }, lastError: { at: new Date(at).toISOString(), code, message: `${code} happened.` },
    });
    const stats = (...routes: RouteStats[]): ProxyStatsEvent => ({ running: true, routes });
    const notified = new Map<string, number>();
    expect(routeFailureNotices(stats(route('api', 'KEYPORT_TLS_UNKNOWN_CA', t0)), notified, t0)).toEqual([
      { key: 'api:KEYPORT_TLS_UNKNOWN_CA', title: 'Connections through api fail', body: 'KEYPORT_TLS_UNKNOWN_CA happened.' },
    ]);
    expect(routeFailureNotices(stats(route('api', 'KEYPORT_TLS_UNKNOWN_CA', t0 + 1000)), notified, t0 + 1000), 'the same failure a second later').toEqual([]);
    const later = t0 + ROUTE_NOTICE_EVERY_MS + 1;
    expect(routeFailureNotices(stats(route('api', 'KEYPORT_TLS_UNKNOWN_CA', t0 + 1000)), notified, later), 'nothing failed since the notice').toEqual([]);
    expect(routeFailureNotices(stats(route('api', 'KEYPORT_TLS_UNKNOWN_CA', later)), notified, later)).toHaveLength(1);
    expect(routeFailureNotices(stats(route('api', 'KEYPORT_PROXY_CLIENT_SENT_TLS', later)), notified, later), 'another code').toHaveLength(1);
    const quiet = ['KEYPORT_PROXY_HOST_NOT_ROUTED', 'KEYPORT_PROXY_CLIENT_RESET', 'KEYPORT_TLS_CLOSED', 'KEYPORT_PIN_REQUIRED'].map((c) => route(`q-${c}`, c, later));
    expect(routeFailureNotices(stats(...quiet), notified, later)).toEqual([]);
    expect(routeFailureNotices({ running: true, routes: [], httpProxy: route('http-proxy', 'KEYPORT_TLS_HOSTNAME_MISMATCH', later) }, notified, later)[0]?.title).toBe('Connections through http-proxy fail');
  });
});
