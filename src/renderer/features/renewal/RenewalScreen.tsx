import { CalendarClock } from 'lucide-react';
import type { RenewalInfo } from '../../../shared/app-views';
import { EmptyState } from '../../components/EmptyState';
import { ErrorText } from '../../components/ErrorText';
import { PageHeader } from '../../components/PageHeader';
import { Loading } from '../../components/Spinner';
import { useIdentities } from '../../hooks/useIdentities';
import { useRenewals } from '../../hooks/useRenewal';
import { renewalState } from './renewal-state';
import { ScheduleCard } from './ScheduleCard';

const SET_UP = 'keyport renewal set ID --step-ca URL --root FILE';
const ENROLL = 'keyport enroll step-ca --ca-url URL --root FILE --token-file FILE';

/** Renewal: every identity's schedule and history with "Renew now", and the ones not set up yet. */
export function RenewalScreen({ navigate }: { navigate: (to: string) => void }) {
  const { result: identities } = useIdentities();
  const ids = identities?.ok ? identities.value.map((i) => i.id) : [];
  const { result } = useRenewals(ids);
  const all = result?.ok ? result.value : undefined;
  const scheduled = all?.filter((r) => r.configured) ?? [];
  const unset = all?.filter((r) => !r.configured) ?? [];
  const open = (id: string) => navigate(`identities/${encodeURIComponent(id)}`);
  return (
    <div className="screen">
      <PageHeader
        title="Renewal"
        subtitle="Keyport renews certificates from their CA before they expire, with the key where it lives; identities without a CA get reminders."
      />
      {identities && !identities.ok && <ErrorText code={identities.error.code}>{identities.error.message}</ErrorText>}
      {(!identities || (identities.ok && !all)) && <Loading label="Loading renewal schedules…" />}
      {all && scheduled.length === 0 && (
        <EmptyState title="No automatic renewal yet" icon={<CalendarClock size={22} />}>
          <p>Identities enrolled from step-ca renew on their own:</p>
          <pre className="code-block empty-command">{ENROLL}</pre>
          <p>For an identity you already have, point it at its CA:</p>
          <pre className="code-block empty-command">{SET_UP}</pre>
        </EmptyState>
      )}
      {scheduled.length > 0 && (
        <div className="stack">
          <Summary scheduled={scheduled} unset={unset.length} />
          {scheduled.map((info) => (
            <ScheduleCard key={info.id} info={info} open={open} />
          ))}
        </div>
      )}
      {unset.length > 0 && <NotSetUp unset={unset} open={open} />}
    </div>
  );
}

/** Counts at a glance: scheduled, failing, needing re-enroll, not set up. */
function Summary({ scheduled, unset }: { scheduled: RenewalInfo[]; unset: number }) {
  const tones = scheduled.map((r) => renewalState(r).tone);
  const items = [
    { label: 'Renew automatically', value: tones.filter((t) => t === 'success').length },
    { label: 'Failing', value: tones.filter((t) => t === 'warning').length },
    { label: 'Need re-enroll', value: tones.filter((t) => t === 'danger').length },
    { label: 'Not set up', value: unset },
  ];
  return (
    <div className="renewal-summary" role="list" aria-label="Renewal at a glance">
      {items.map((i) => (
        <div key={i.label} className="stat summary-tile" role="listitem">
          <div className="stat-value">{i.value}</div>
          <div className="faint">{i.label}</div>
        </div>
      ))}
    </div>
  );
}

/** Identities Keyport only reminds about, with how to set them up. */
function NotSetUp({ unset, open }: { unset: RenewalInfo[]; open: (id: string) => void }) {
  return (
    <section className="card not-set-up" aria-labelledby="not-set-up-title">
      <div className="card-header">
        <h2 className="card-title" id="not-set-up-title">Reminders only ({unset.length})</h2>
      </div>
      <div className="card-body">
        <p className="muted">
          These renew by hand: Keyport reminds you before they expire. To renew one from step-ca: <code>{SET_UP}</code>.
        </p>
        <ul className="plain-list">
          {unset.map((r) => (
            <li key={r.id} className="row">
              <button type="button" className="link-button" onClick={() => open(r.id)}>
                {r.label}
              </button>
              <span className="faint">expires {new Date(r.notAfter).toLocaleDateString()}</span>
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}
