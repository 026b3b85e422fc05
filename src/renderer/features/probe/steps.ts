import type { ConnectionReport, ConnectionStep } from '../../../shared/views';

/**
 * The steps as the checklist shows them. A report's `http` step is "ok" when the server answered
 * at all; the checklist marks it failed when the answer is an HTTP error (an nginx with
 * `ssl_verify_client optional` refuses a certificate with 400 after a clean handshake), because
 * that is where the test failed.
 */
export function displaySteps(report: ConnectionReport): ConnectionStep[] {
  return report.steps.map((step) => {
    const http = report.http;
    if (step.step !== 'http' || !step.ok || !http || http.status < 400) return step;
    return { ...step, ok: false, error: { code: `HTTP_${http.status}`, message: `The server answered HTTP ${http.status} ${http.statusText}.` } };
  });
}
