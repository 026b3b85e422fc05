import { RefreshCw } from 'lucide-react';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ErrorText } from '../../components/ErrorText';
import { Loading } from '../../components/Spinner';
import { useToast } from '../../components/Toast';
import { useRenewal, useRenewNow } from '../../hooks/useRenewal';
import { canRenew, providerText, when } from './renewal-state';


/** An identity's renewal: how and when it renews, the last result, past certificates, and "Renew now". */
export function RenewalCard({ id }: { id: string }) {
  const { result } = useRenewal(id);
  const renew = useRenewNow(id);
  const notify = useToast();
  const info = result?.ok ? result.value : undefined;
  const renewable = info !== undefined && canRenew(info);
  const onRenew = async () => {
    const outcome = await renew.run();
    if (outcome?.ok) notify({ title: 'Renewed', description: `New serial ${outcome.value.serial}, valid until ${new Date(outcome.value.notAfter).toLocaleDateString()}.`, tone: 'success' });
  };
  return (
    <Card
      title="Renewal"
      actions={
        renewable && (
          <Button size="sm" variant="primary" busy={renew.busy} onClick={() => void onRenew()}>
            <RefreshCw size={13} aria-hidden="true" /> Renew now
          </Button>
        )
      }
    >
      {!result && <Loading label="Loading renewal settings…" />}
      {result && !result.ok && <ErrorText code={result.error.code}>{result.error.message}</ErrorText>}
      {renew.error && <ErrorText code={renew.error.code}>{renew.error.message}</ErrorText>}
      {info && !info.configured && (
        <p className="muted">
          No renewal set up: Keyport reminds you before it expires. To renew automatically from step-ca, run{' '}
          <code>keyport renewal set {info.id} --step-ca URL --root FILE</code>.
        </p>
      )}
      {info?.configured && (
        <dl className="kv kv-compact" data-section="renewal">
          <dt>Provider</dt>
          <dd>{providerText(info)}</dd>
          <dt>Renews at</dt>
          <dd>{info.at !== undefined ? `${Math.round(info.at * 100)}% of the lifetime` : '—'}{info.rekey ? ', with a new key' : ''}</dd>
          <dt>Next run</dt>
          <dd>{when(info.nextRunAt)}</dd>
          <dt>Last success</dt>
          <dd>{when(info.lastSuccessAt)}</dd>
          {info.lastError && (
            <>
              <dt>Last error</dt>
              <dd className="step-error">{info.lastError.message}</dd>
            </>
          )}
          <dt>Past certificates</dt>
          <dd data-field="renewal-history">
            {info.history.length === 0
              ? 'none yet'
              : info.history
                  .slice(-5)
                  .reverse()
                  .map((h) => `${h.serial} (until ${new Date(h.notAfter).toLocaleDateString()}, ${h.reason})`)
                  .join('; ')}
          </dd>
        </dl>
      )}
    </Card>
  );
}
