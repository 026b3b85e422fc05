import { RefreshCw } from 'lucide-react';
import type { RenewalInfo } from '../../../shared/app-views';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ErrorText } from '../../components/ErrorText';
import { useToast } from '../../components/Toast';
import { useRenewNow } from '../../hooks/useRenewal';
import { canRenew, providerText, renewalState, when } from './renewal-state';

/** One identity's schedule (provider, threshold, next run, last attempt/success/error, backoff), its past certificates and "Renew now". */
export function ScheduleCard({ info, open }: { info: RenewalInfo; open: (id: string) => void }) {
  const renew = useRenewNow(info.id);
  const notify = useToast();
  const state = renewalState(info);
  const onRenew = async () => {
    const outcome = await renew.run();
    if (outcome?.ok) notify({ title: `Renewed ${info.label}`, description: `New serial ${outcome.value.serial}.`, tone: 'success' });
  };
  return (
    <Card
      className="schedule-card"
      title={
        <span className="row" data-renewal={info.id}>
          <button type="button" className="link-button" onClick={() => open(info.id)}>
            {info.label}
          </button>
          <Badge tone={state.tone}>{state.label}</Badge>
        </span>
      }
      actions={
        canRenew(info) && (
          <Button size="sm" variant="primary" busy={renew.busy} onClick={() => void onRenew()} aria-label={`Renew now: ${info.label}`}>
            <RefreshCw size={13} aria-hidden="true" /> Renew now
          </Button>
        )
      }
    >
      {renew.error && <ErrorText code={renew.error.code}>{renew.error.message}</ErrorText>}
      {info.needsReenroll && (
        <p className="step-error">The CA no longer renews this certificate: enroll it again with a new token (<code>keyport enroll step-ca …</code>).</p>
      )}
      <div className="schedule-body">
        <dl className="kv kv-compact">
          <dt>Provider</dt>
          <dd className="ellipsis">{providerText(info)}</dd>
          <dt>Renews at</dt>
          <dd>{info.at !== undefined ? `${Math.round(info.at * 100)}% of the lifetime` : '—'}{info.rekey ? ', new key' : ''}</dd>
          <dt>Expires</dt>
          <dd>{when(info.notAfter)}</dd>
          <dt>Next run</dt>
          <dd data-field="next-run">{when(info.nextRunAt)}</dd>
        </dl>
        <dl className="kv kv-compact">
          <dt>Last attempt</dt>
          <dd>{when(info.lastAttemptAt)}</dd>
          <dt>Last success</dt>
          <dd>{when(info.lastSuccessAt)}</dd>
          <dt>Backoff</dt>
          <dd>{info.retryAfter ? `retry after ${when(info.retryAfter)}` : info.failures > 0 ? `${info.failures} failures` : 'none'}</dd>
          {info.lastError && (
            <>
              <dt>Last error</dt>
              <dd className="step-error" title={info.lastError.code}>{info.lastError.message}</dd>
            </>
          )}
        </dl>
      </div>
      <History info={info} />
    </Card>
  );
}

/** The certificates the identity had before, newest first. */
function History({ info }: { info: RenewalInfo }) {
  if (info.history.length === 0) return <p className="faint schedule-history-empty">No renewals yet.</p>;
  return (
    <table className="table schedule-history" data-field="schedule-history">
      <caption className="visually-hidden">Past certificates of {info.label}</caption>
      <thead>
        <tr>
          <th scope="col">Retired</th>
          <th scope="col">Serial</th>
          <th scope="col">Was valid until</th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {[...info.history].reverse().slice(0, 5).map((h) => (
          <tr key={`${h.serial}-${h.retiredAt}`}>
            <td>{when(h.retiredAt)}</td>
            <td className="mono ellipsis">{h.serial}</td>
            <td>{new Date(h.notAfter).toLocaleDateString()}</td>
            <td>{h.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
