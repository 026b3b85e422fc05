import { RefreshCw } from 'lucide-react';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { EmptyState } from '../../components/EmptyState';
import { ErrorText } from '../../components/ErrorText';
import { PageHeader } from '../../components/PageHeader';
import { Loading } from '../../components/Spinner';
import { useAudit } from '../../hooks/useAudit';
import { formatBytes } from '../../lib/format';

/** The audit log: every upstream session the proxy opened, newest first (never a PIN, key or payload). */
export function AuditScreen() {
  const { result, reload } = useAudit();
  return (
    <div className="screen">
      <PageHeader
        title="Audit log"
        subtitle="Every connection the proxy made with one of your identities, newest first."
        actions={
          <Button onClick={reload}>
            <RefreshCw size={14} aria-hidden="true" /> Refresh
          </Button>
        }
      />
      {!result && <Loading label="Reading the audit log…" />}
      {result && !result.ok && <ErrorText code={result.error.code}>{result.error.message}</ErrorText>}
      {result?.ok && result.value.length === 0 && (
        <EmptyState title="Nothing logged yet">Sessions appear here once a proxy route carries a connection.</EmptyState>
      )}
      {result?.ok && result.value.length > 0 && (
        <div className="table-scroll audit-scroll">
          <table className="table audit-table">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Route</th>
                <th scope="col">Upstream</th>
                <th scope="col">Identity</th>
                <th scope="col">Traffic</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {result.value.map((entry, index) => (
                <tr key={`${entry.time}-${index}`} data-route={entry.route}>
                  <td>{new Date(entry.time).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' })}</td>
                  <td>{entry.route}</td>
                  <td className="mono">{entry.upstream}</td>
                  <td className="mono">{entry.identity ?? '—'}</td>
                  <td>
                    {formatBytes(entry.bytesUp)} ↑ {formatBytes(entry.bytesDown)} ↓ · {entry.durationMs.toFixed(0)} ms
                  </td>
                  <td>
                    <Badge tone={entry.result === 'ok' ? 'success' : 'danger'}>{entry.result === 'ok' ? 'OK' : entry.result}</Badge>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
