import { describe, expect, it } from 'vitest';
import type { ConnectionReport } from '../../../shared/views';
import { displaySteps } from './steps';

const base: ConnectionReport = {
  ok: false,
  url: 'https://127.0.0.1/',
  startedAt: '2026-12-01T00:00:00Z',
  diagnoses: [],
  reproduce: { openssl: 'openssl s_client', curl: 'curl' },
  steps: [
    { step: 'handshake', ok: true, ms: 12 },
    { step: 'http', ok: true, ms: 30 },
  ],
};

describe('the checklist steps', () => {
  it('marks the HTTP step failed when the server answered an HTTP error', () => {
    const steps = displaySteps({ ...base, http: { status: 400, statusText: 'Bad Request', headers: {}, bodyPreview: '' } });
    expect(steps[1]).toMatchObject({ ok: false, error: { message: 'The server answered HTTP 400 Bad Request.' } });
    expect(steps[0]).toEqual(base.steps[0]);
  });

  it('leaves a successful answer and a failed handshake as they are', () => {
    const ok = { ...base, ok: true, http: { status: 200, statusText: 'OK', headers: {}, bodyPreview: '' } };
    expect(displaySteps(ok)).toEqual(base.steps);
    const refused: ConnectionReport = { ...base, steps: [{ step: 'handshake', ok: false, ms: 5, error: { code: 'KEYPORT_TLS_ALERT', message: 'refused' } }] };
    expect(displaySteps(refused)).toEqual(refused.steps);
  });
});
