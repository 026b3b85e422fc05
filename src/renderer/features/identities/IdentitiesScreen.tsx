import { KeyRound, Search } from 'lucide-react';
import { useDeferredValue, useMemo, useState } from 'react';
import { Button } from '../../components/Button';
import { EmptyState } from '../../components/EmptyState';
import { ErrorText } from '../../components/ErrorText';
import { PageHeader } from '../../components/PageHeader';
import { SegmentedControl } from '../../components/SegmentedControl';
import { Loading } from '../../components/Spinner';
import { useIdentities } from '../../hooks/useIdentities';
import { useNow } from '../../hooks/useNow';
import { countByFilter, filterIdentities, searchText, type StatusFilter } from './filter';
import { IdentityTable } from './IdentityTable';

/** Props of {@link IdentitiesScreen}. */
export interface IdentitiesScreenProps {
  navigate: (to: string) => void;
}

/** The identity list: search, status filters, and a virtualised table; a row opens its detail. */
export function IdentitiesScreen({ navigate }: IdentitiesScreenProps) {
  const { result } = useIdentities();
  const [filter, setFilter] = useState<StatusFilter>('all');
  const [query, setQuery] = useState('');
  const deferredQuery = useDeferredValue(query);
  const now = useNow();
  const identities = useMemo(() => (result?.ok ? result.value : []), [result]);
  const texts = useMemo(() => new Map(identities.map((i) => [i.id, searchText(i)])), [identities]);
  const counts = useMemo(() => countByFilter(identities), [identities]);
  const shown = useMemo(() => filterIdentities(identities, texts, filter, deferredQuery), [identities, texts, filter, deferredQuery]);

  const actions = (
    <>
      <Button onClick={() => navigate('keygen')}>New key</Button>
      <Button variant="primary" onClick={() => navigate('import')}>
        Import
      </Button>
    </>
  );
  const subtitle = result?.ok && identities.length > 0 ? `${identities.length} client ${identities.length === 1 ? 'identity' : 'identities'}` : 'Client certificates and where their keys live';
  return (
    <div className="screen screen-wide">
      <PageHeader title="Identities" subtitle={subtitle} actions={actions} />
      {!result && <Loading label="Loading identities…" />}
      {result && !result.ok && <ErrorText code={result.error.code}>{result.error.message}</ErrorText>}
      {result?.ok && identities.length === 0 && (
        <EmptyState
          icon={<KeyRound size={26} />}
          title="No identities yet"
          actions={
            <>
              <Button variant="primary" onClick={() => navigate('import')}>
                Import a .p12 or PEM
              </Button>
              <Button onClick={() => navigate('keygen')}>Create a key and CSR</Button>
            </>
          }
        >
          An identity is a client certificate with its private key. Import the .p12 your CA sent you, or
          create a key in the keychain or on a token and send its CSR to your CA.
        </EmptyState>
      )}
      {result?.ok && identities.length > 0 && (
        <>
          <div className="toolbar">
            <label className="search-box">
              <Search className="search-icon" size={15} aria-hidden="true" />
              <input
              type="search"
              className="search"
              placeholder="Search by name, subject, SAN, issuer, serial…"
              aria-label="Search identities"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              />
            </label>
            <SegmentedControl
              label="Filter by status"
              value={filter}
              onChange={setFilter}
              segments={[
                { value: 'all', label: 'All', count: counts.all },
                { value: 'attention', label: 'Needs attention', count: counts.attention },
                { value: 'valid', label: 'Valid', count: counts.valid },
                { value: 'expired', label: 'Expired', count: counts.expired },
              ]}
            />
          </div>
          <p className="visually-hidden" role="status" aria-live="polite">
            {shown.length} shown
          </p>
          {shown.length === 0 ? (
            <EmptyState title="Nothing matches" actions={<Button onClick={() => { setQuery(''); setFilter('all'); }}>Clear search and filter</Button>}>
              No identity matches “{query}”{filter !== 'all' ? ' with this status' : ''}.
            </EmptyState>
          ) : (
            <IdentityTable identities={shown} now={now} onOpen={(id) => navigate(`identities/${encodeURIComponent(id)}`)} />
          )}
        </>
      )}
    </div>
  );
}
