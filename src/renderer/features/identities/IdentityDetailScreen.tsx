import { useState } from 'react';
import type { IdentityDetail } from '../../../shared/contract';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorText } from '../../components/ErrorText';
import { Menu } from '../../components/Menu';
import { Loading } from '../../components/Spinner';
import { useToast } from '../../components/Toast';
import { useIdentity } from '../../hooks/useIdentity';
import { useNow } from '../../hooks/useNow';
import { useRemoveIdentity, useExportIdentity } from '../../hooks/useIdentityActions';
import { RenewalCard } from '../renewal/RenewalCard';
import { ChainView } from './ChainView';
import { ExpiryCountdown, KeyStoreBadge, StatusBadge } from './IdentityBadges';
import { keyStoreKind } from './key-store';
import { Pkcs12ExportDialog } from './Pkcs12ExportDialog';

/** Props of {@link IdentityDetailScreen}. */
export interface IdentityDetailScreenProps {
  id: string;
  navigate: (to: string) => void;
}

/** One identity: its summary, where the key lives, its chain, and export/test/remove. */
export function IdentityDetailScreen({ id, navigate }: IdentityDetailScreenProps) {
  const { result } = useIdentity(id);
  return (
    <div className="screen">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <a href="#/identities">Identities</a>
        <span aria-hidden="true">/</span>
        <span aria-current="page">{result?.ok ? result.value.label : id}</span>
      </nav>
      {!result && <Loading label="Loading the identity…" />}
      {result && !result.ok && (
        <ErrorText code={result.error.code}>{result.error.message}</ErrorText>
      )}
      {result?.ok && <Detail identity={result.value} navigate={navigate} />}
    </div>
  );
}

function Detail({ identity, navigate }: { identity: IdentityDetail; navigate: (to: string) => void }) {
  const now = useNow();
  const notify = useToast();
  const [confirming, setConfirming] = useState(false);
  const [pkcs12, setPkcs12] = useState(false);
  const remove = useRemoveIdentity(identity.id);
  const exporter = useExportIdentity(identity.id);
  const canExportPkcs12 = identity.keyStore.kind === 'keychain';
  const onRemove = async () => {
    const result = await remove.run();
    if (result?.ok) {
      notify({ title: 'Identity removed', description: `${identity.label} and its key are gone.`, tone: 'success' });
      navigate('identities');
    }
  };
  const exportAs = async (format: 'chain' | 'csr') => {
    const result = await exporter.run({ format });
    if (result && !result.ok) notify({ title: 'Export failed', description: result.error.message, tone: 'danger' });
  };
  return (
    <>
      <header className="page-header">
        <div>
          <h1 className="page-title">{identity.label}</h1>
          <div className="row detail-badges">
            <StatusBadge status={identity.status} />
            <KeyStoreBadge store={identity.keyStore} />
            <ExpiryCountdown status={identity.status} notBefore={identity.notBefore} notAfter={identity.notAfter} now={now} sentence />
          </div>
        </div>
        <div className="page-actions">
          <Button onClick={() => navigate(`test/${encodeURIComponent(identity.id)}`)}>Test connection</Button>
          <Menu
            trigger={<Button busy={exporter.busy}>Export</Button>}
            items={[
              { label: 'Certificate chain (.pem)', onSelect: () => void exportAs('chain') },
              { label: 'New CSR from this key (.csr)', onSelect: () => void exportAs('csr') },
              { label: canExportPkcs12 ? 'PKCS#12 with key (.p12)…' : 'PKCS#12 (key cannot leave its token)', onSelect: () => setPkcs12(true), disabled: !canExportPkcs12 },
            ]}
          />
          <Button variant="ghost" className="btn-danger-text" onClick={() => setConfirming(true)}>
            Remove
          </Button>
        </div>
      </header>
      <div className="stack">
        <Card title="Overview">
          <dl className="kv" data-section="overview">
            <dt>Subject</dt>
            <dd className="mono" data-field="subject">{identity.subject}</dd>
            <dt>Names (SANs)</dt>
            <dd data-field="sans">{identity.sans.length ? identity.sans.join(', ') : <span className="muted">none</span>}</dd>
            <dt>Issuer</dt>
            <dd className="mono">{identity.issuer}</dd>
            <dt>Valid</dt>
            <dd>
              {new Date(identity.notBefore).toLocaleString()} → {new Date(identity.notAfter).toLocaleString()}
            </dd>
            <dt>Key</dt>
            <dd data-field="algorithm">{identity.keyAlgorithm}</dd>
            <dt>Key lives</dt>
            <dd data-field="where">{keyStoreKind(identity.keyStore).where}</dd>
            <dt>Serial</dt>
            <dd className="mono" data-field="serial">{identity.serial}</dd>
            <dt>SHA-256</dt>
            <dd className="mono" data-field="fingerprint">{identity.fingerprintSha256}</dd>
            <dt>Added</dt>
            <dd>
              {new Date(identity.createdAt).toLocaleString()} <span className="faint">from {identity.source}</span>
            </dd>
          </dl>
        </Card>
        <RenewalCard id={identity.id} />
        <ChainView pem={identity.chainPem} />
        {exporter.value && exporter.value.encoding === 'utf8' && (
          <Card title={exporter.value.fileName}>
            <pre className="code-block" data-export={exporter.value.fileName}>{exporter.value.data}</pre>
          </Card>
        )}
      </div>
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title={`Remove ${identity.label}?`}
        description={
          identity.keyStore.kind === 'keychain'
            ? 'The certificate and its private key are deleted from this computer’s keychain. Export a PKCS#12 first if you need it again.'
            : `The certificate and its key object are deleted from token “${identity.keyStore.token}”. This cannot be undone.`
        }
        confirmLabel="Remove identity"
        busy={remove.busy}
        error={remove.error?.message}
        onConfirm={() => void onRemove()}
      />
      <Pkcs12ExportDialog open={pkcs12} onOpenChange={setPkcs12} identityId={identity.id} />
    </>
  );
}
