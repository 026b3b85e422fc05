import { Usb } from 'lucide-react';
import type { TokenModuleView } from '../../../shared/identity';
import { Badge } from '../../components/Badge';
import { Card } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { ErrorText } from '../../components/ErrorText';
import { PageHeader } from '../../components/PageHeader';
import { Loading } from '../../components/Spinner';
import { useTokens } from '../../hooks/useTokens';
import { keyStoreKind } from '../identities/key-store';
import { SlotRow } from './SlotRow';

/** PKCS#11 modules, their slots and tokens, live: a card inserted or removed shows without a reload. */
export function TokensScreen() {
  const { result } = useTokens();
  return (
    <div className="screen">
      <PageHeader title="Tokens" subtitle="Smartcards, YubiKeys, TPMs and HSMs reached through PKCS#11 modules. Updates live as cards come and go." />
      {!result && <Loading label="Asking the PKCS#11 modules…" />}
      {result && !result.ok && <ErrorText code={result.error.code}>{result.error.message}</ErrorText>}
      {result?.ok && result.value.length === 0 && (
        <EmptyState icon={<Usb size={26} />} title="No PKCS#11 module configured">
          Point Keyport at your token’s module: start it with <code>KEYPORT_PKCS11_MODULES=/path/to/module.so</code> (or{' '}
          <code>--pkcs11-module PATH</code>), e.g. OpenSC’s <code>opensc-pkcs11.so</code> for smartcards and YubiKeys.
        </EmptyState>
      )}
      {result?.ok && result.value.length > 0 && (
        <div className="stack">
          {result.value.map((module) => (
            <ModuleCard key={module.module} module={module} />
          ))}
        </div>
      )}
    </div>
  );
}

function ModuleCard({ module }: { module: TokenModuleView }) {
  const kind = keyStoreKind({ kind: 'pkcs11', module: module.module, token: '' });
  const present = module.slots.filter((s) => s.token).length;
  return (
    <Card
      className="module-card"
      title={
        <span className="row">
          <Badge tone={kind.tone}>{kind.label}</Badge>
          <span className="mono module-path">{module.module}</span>
        </span>
      }
      actions={<span className="faint">{module.error ? 'not loaded' : `${module.slots.length} slot${module.slots.length === 1 ? '' : 's'}, ${present} with a token`}</span>}
    >
      {module.error && <ErrorText code={module.error.code}>{module.error.message}</ErrorText>}
      {!module.error && module.slots.length === 0 && <p className="muted">No slots: plug in a reader or a token.</p>}
      {module.slots.length > 0 && (
        <ul className="list" aria-label={`Slots of ${module.module}`}>
          {module.slots.map((slot) => (
            <SlotRow key={slot.slotId} module={module.module} slot={slot} />
          ))}
        </ul>
      )}
    </Card>
  );
}
