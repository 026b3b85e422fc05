import type { PendingKeyView } from '../../../shared/views';
import { Card } from '../../components/Card';
import { ErrorText } from '../../components/ErrorText';
import { FileButton } from '../../components/FileButton';
import { Loading } from '../../components/Spinner';
import { useToast } from '../../components/Toast';
import { useAttach, usePendingKeys } from '../../hooks/useKeys';
import { KeyStoreBadge } from '../identities/IdentityBadges';

/** Keys waiting for their certificate, each with "Attach certificate…". */
export function PendingKeys() {
  const { result } = usePendingKeys();
  return (
    <Card title="2. Attach the issued certificate">
      {!result && <Loading label="Loading keys waiting for a certificate…" />}
      {result && !result.ok && <ErrorText code={result.error.code}>{result.error.message}</ErrorText>}
      {result?.ok && result.value.length === 0 && (
        <p className="muted">No key is waiting for a certificate. Generate one above; it will wait here until you attach its certificate.</p>
      )}
      {result?.ok && result.value.length > 0 && (
        <ul className="list">
          {result.value.map((key) => (
            <PendingKey key={key.keyId} pending={key} />
          ))}
        </ul>
      )}
    </Card>
  );
}

function PendingKey({ pending }: { pending: PendingKeyView }) {
  const attach = useAttach();
  const notify = useToast();
  const onFile = async (file: File) => {
    const result = await attach.run(pending.keyId, file);
    if (result?.ok) notify({ title: 'Certificate attached', description: `${pending.subject} is now an identity.`, tone: 'success' });
  };
  return (
    <li className="list-item" data-key-id={pending.keyId}>
      <div className="list-main">
        <div className="cell-title mono">{pending.subject}</div>
        <div className="cell-sub">
          {pending.algorithm} · {pending.sans.join(', ') || 'no SANs'} · made {new Date(pending.createdAt).toLocaleString()}
        </div>
        {attach.error && <ErrorText code={attach.error.code}>{attach.error.message}</ErrorText>}
      </div>
      <KeyStoreBadge store={pending.keyStore} />
      <FileButton size="sm" variant="primary" busy={attach.busy} accept=".pem,.crt,.cer" inputLabel={`Certificate file for ${pending.subject}`} onFiles={([file]) => file && void onFile(file)}>
        Attach certificate…
      </FileButton>
    </li>
  );
}
