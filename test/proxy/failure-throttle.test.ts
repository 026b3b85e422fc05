/** FailureThrottle: the same failure of a route said once per window, the repeats summed up at its end. */
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { FailureThrottle } from '../../src/core/proxy/failure-throttle';

describe('FailureThrottle', () => {
  it('says a failure once per window and sums up its repeats; another route, code or sentence is said at once', async () => {
    const said: string[] = [];
    const t = new FailureThrottle((route, code, message) => said.push(`${route} ${code} ${message}`), 200);
    for (let i = 0; i < 50; i++) t.report('api', 'KEYPORT_TLS_UNKNOWN_CA', 'Untrusted.');
    t.report('db', 'KEYPORT_TLS_UNKNOWN_CA', 'Untrusted.');
    t.report('api', 'KEYPORT_PROXY_UPSTREAM_RESET', 'Reset.');
    t.report('api', 'KEYPORT_TLS_UNKNOWN_CA', 'Untrusted, said otherwise.');
    expect(said).toEqual(['api KEYPORT_TLS_UNKNOWN_CA Untrusted.', 'db KEYPORT_TLS_UNKNOWN_CA Untrusted.', 'api KEYPORT_PROXY_UPSTREAM_RESET Reset.', 'api KEYPORT_TLS_UNKNOWN_CA Untrusted, said otherwise.']);
    await delay(300);
    expect(said.slice(4)).toEqual(['api KEYPORT_TLS_UNKNOWN_CA 49 more connections failed the same way in the last 0.2 s (each is in the audit log).']);
    t.report('api', 'KEYPORT_TLS_UNKNOWN_CA', 'Untrusted.');
    expect(said.at(-1), 'a new window').toBe('api KEYPORT_TLS_UNKNOWN_CA Untrusted.');
    t.stop();
  });
});
