import { Play, Trash2 } from 'lucide-react';
import type { EndpointView } from '../../../shared/views';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ErrorText } from '../../components/ErrorText';
import { Loading } from '../../components/Spinner';
import { useEndpoints, useEndpointTest, useRemoveEndpoint } from '../../hooks/useEndpoints';
import type { ConnectionReport } from '../../../shared/views';

/** Props of {@link SavedEndpoints}. */
export interface SavedEndpointsProps {
  /** Called with the report of a re-run, to show it like a test from the form. */
  onReport: (report: ConnectionReport) => void;
}

/** Saved endpoints, each with its recent results and a one-click re-run. */
export function SavedEndpoints({ onReport }: SavedEndpointsProps) {
  const { result } = useEndpoints();
  const runner = useEndpointTest();
  const remover = useRemoveEndpoint();
  const run = async (name: string) => {
    const answer = await runner.run(name);
    if (answer?.ok) onReport(answer.value);
  };
  return (
    <Card title="Saved endpoints">
      {!result && <Loading label="Loading saved endpoints…" />}
      {result && !result.ok && <ErrorText code={result.error.code}>{result.error.message}</ErrorText>}
      {result?.ok && result.value.length === 0 && (
        <p className="muted">No saved endpoint yet. Run a test above and press “Save as endpoint” to re-run it here with one click.</p>
      )}
      {runner.error && <ErrorText code={runner.error.code}>{runner.error.message}</ErrorText>}
      {result?.ok && result.value.length > 0 && (
        <ul className="list">
          {result.value.map((endpoint) => (
            <li key={endpoint.name} className="list-item" data-endpoint={endpoint.name}>
              <div className="list-main">
                <div className="cell-title">{endpoint.name}</div>
                <div className="cell-sub mono">
                  {endpoint.url} · identity {endpoint.identity}
                </div>
              </div>
              <History endpoint={endpoint} />
              <Button size="sm" variant="primary" busy={runner.busy} onClick={() => void run(endpoint.name)} aria-label={`Run ${endpoint.name}`}>
                <Play size={13} aria-hidden="true" /> Run
              </Button>
              <Button size="sm" variant="ghost" busy={remover.busy} onClick={() => void remover.run(endpoint.name)} aria-label={`Remove ${endpoint.name}`}>
                <Trash2 size={14} aria-hidden="true" />
              </Button>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

/** The last results as dots, oldest first, with the latest in words. */
function History({ endpoint }: { endpoint: EndpointView }) {
  const recent = endpoint.history.slice(-12);
  const last = recent.at(-1);
  return (
    <div className="history" data-runs={endpoint.history.length}>
      <span className="history-dots" aria-hidden="true">
        {recent.map((r) => (
          <span key={r.startedAt} className={`history-dot ${r.ok ? 'history-ok' : 'history-fail'}`} title={`${new Date(r.startedAt).toLocaleString()}: ${r.ok ? 'passed' : 'failed'}`} />
        ))}
      </span>
      <span className="faint">{last ? `${last.ok ? 'passed' : 'failed'} ${new Date(last.startedAt).toLocaleTimeString()}` : 'never run'}</span>
    </div>
  );
}
