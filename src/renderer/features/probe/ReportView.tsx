import { Check, X } from 'lucide-react';
import { useEffect, useRef } from 'react';
import type { ConnectionDiagnosis, ConnectionReport } from '../../../shared/views';
import { Badge, type BadgeTone } from '../../components/Badge';
import { Card } from '../../components/Card';
import { CopyButton } from '../../components/CopyButton';
import { displaySteps } from './steps';
import { StepList } from './StepList';

const SEVERITY_TONES: Record<string, BadgeTone> = { error: 'danger', critical: 'danger', warning: 'warning', info: 'info' };

/** Props of {@link ReportView}. */
export interface ReportViewProps {
  report: ConnectionReport;
  /** The label of an identity id, to name the identity offered in words. */
  labelOf: (id: string) => string | undefined;
}

/** A connection test's report: verdict, steps, diagnoses with fixes, commands to reproduce, and what was negotiated. */
export function ReportView({ report, labelOf }: ReportViewProps) {
  const top = useRef<HTMLDivElement>(null);
  // A new report is below the form: bring it into view, as the answer to "Run test".
  useEffect(() => {
    top.current?.scrollIntoView({ block: 'start' });
  }, [report]);
  const offered = report.identity ? (labelOf(report.identity) ?? report.identity) : undefined;
  return (
    <div className="stack report" data-ok={report.ok} ref={top}>
      <div className={`verdict verdict-${report.ok ? 'ok' : 'fail'}`} role="status">
        <span className="verdict-icon" aria-hidden="true">
          {report.ok ? <Check size={18} strokeWidth={3} /> : <X size={18} strokeWidth={3} />}
        </span>
        <div>
          <div className="verdict-title">{report.ok ? 'Connected: the server accepted the identity' : 'The connection test failed'}</div>
          <div className="verdict-sub mono">
            {report.url}
            {report.http ? ` → HTTP ${report.http.status} ${report.http.statusText}` : ''}
          </div>
        </div>
      </div>
      <div className="grid-2 report-grid">
        <Card title="Steps">
          <StepList steps={displaySteps(report)} />
        </Card>
        <Card title="Negotiated">
          <dl className="kv kv-compact">
            <dt>Identity</dt>
            <dd data-field="identity-offered">{offered ?? 'none offered'}</dd>
            {report.negotiated && (
              <>
                <dt>Protocol</dt>
                <dd>{report.negotiated.version}</dd>
                <dt>Cipher</dt>
                <dd className="mono">{report.negotiated.cipherSuite}</dd>
                <dt>Group</dt>
                <dd>{report.negotiated.group}</dd>
                {report.negotiated.signatureScheme && (
                  <>
                    <dt>Our signature</dt>
                    <dd className="mono">{report.negotiated.signatureScheme}</dd>
                  </>
                )}
              </>
            )}
            {report.serverChain?.[0] && (
              <>
                <dt>Server</dt>
                <dd className="mono">{report.serverChain[0].subject}</dd>
              </>
            )}
          </dl>
        </Card>
      </div>
      {report.diagnoses.length > 0 && (
        <section className="stack" aria-label="Diagnosis">
          <h2 className="section-title">Diagnosis</h2>
          {report.diagnoses.map((d) => (
            <DiagnosisCard key={d.code} diagnosis={d} />
          ))}
        </section>
      )}
      <ReproduceCard reproduce={report.reproduce} />
      {report.http?.bodyPreview && (
        <Card title="Response preview">
          <pre className="code-block">{report.http.bodyPreview}</pre>
        </Card>
      )}
    </div>
  );
}

/** The same connection with other tools: openssl, curl (through a Keyport route when the key cannot leave its store). */
function ReproduceCard({ reproduce }: { reproduce: ConnectionReport['reproduce'] }) {
  const lines = [
    { label: 'OpenSSL', command: reproduce.openssl },
    ...(reproduce.proxy ? [{ label: 'First, a local route (the key stays where it is)', command: reproduce.proxy }] : []),
    { label: 'curl', command: reproduce.curl },
  ];
  return (
    <Card title="Reproduce from a terminal">
      <div className="stack reproduce">
        {lines.map((line) => (
          <div key={line.label} className="reproduce-line">
            <div className="row reproduce-head">
              <span className="faint">{line.label}</span>
              <CopyButton text={line.command} />
            </div>
            <pre className="code-block">{line.command}</pre>
          </div>
        ))}
        {reproduce.note && <p className="faint">{reproduce.note}</p>}
      </div>
    </Card>
  );
}

/** One diagnosis: what is wrong, why, and the fix. */
function DiagnosisCard({ diagnosis }: { diagnosis: ConnectionDiagnosis }) {
  return (
    <article className={`diagnosis diagnosis-${SEVERITY_TONES[diagnosis.severity] ?? 'info'}`} data-code={diagnosis.code}>
      <div className="diagnosis-head">
        <Badge tone={SEVERITY_TONES[diagnosis.severity] ?? 'info'}>{diagnosis.severity}</Badge>
        <h3 className="diagnosis-title">{diagnosis.title}</h3>
        <code className="faint">{diagnosis.code}</code>
      </div>
      <p className="diagnosis-detail">{diagnosis.detail}</p>
      <div className="diagnosis-fix">
        <strong>Fix</strong>
        <p>{diagnosis.fix}</p>
      </div>
    </article>
  );
}
