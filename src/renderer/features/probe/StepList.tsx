import { Check, X } from 'lucide-react';
import type { ConnectionStep } from '../../../shared/views';

const STEP_NAMES: Record<string, string> = {
  dns: 'Resolve the host',
  tcp: 'Connect (TCP)',
  handshake: 'TLS handshake with the client certificate',
  http: 'HTTP request',
};

/** The steps of a test as a checklist: passed, failed (with the error in words), or not reached. */
export function StepList({ steps }: { steps: ConnectionStep[] }) {
  return (
    <ol className="steps">
      {steps.map((step) => (
        <li key={step.step} className={`step step-${step.ok ? 'ok' : 'fail'}`} data-step={step.step} data-ok={step.ok}>
          <span className="step-mark" aria-hidden="true">
            {step.ok ? <Check size={13} strokeWidth={3} /> : <X size={13} strokeWidth={3} />}
          </span>
          <div className="step-main">
            <div className="step-title">
              {STEP_NAMES[step.step] ?? step.step}
              <span className="visually-hidden">{step.ok ? ': passed' : ': failed'}</span>
              <span className="faint step-ms">{step.ms.toFixed(0)} ms</span>
            </div>
            {step.detail && <p className="faint">{step.detail}</p>}
            {step.error && (
              <p className="step-error" data-code={step.error.code}>
                {step.error.message}
              </p>
            )}
          </div>
        </li>
      ))}
      {steps.length === 0 && <li className="muted">No step ran.</li>}
    </ol>
  );
}
