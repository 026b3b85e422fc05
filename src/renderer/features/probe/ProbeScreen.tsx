import { useState } from 'react';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ErrorText } from '../../components/ErrorText';
import { Field } from '../../components/Field';
import { FileButton } from '../../components/FileButton';
import { PageHeader } from '../../components/PageHeader';
import { useConnectionTest } from '../../hooks/useConnectionTest';
import { useIdentityLabel } from '../../hooks/useIdentities';
import { errorFor, type FieldOverrides } from '../../lib/error-field';
import type { ConnectionReport } from '../../../shared/views';
import { IdentitySelect } from '../identities/IdentitySelect';
import { ReportView } from './ReportView';
import { SavedEndpoints } from './SavedEndpoints';
import { SaveEndpointDialog } from './SaveEndpointDialog';

/** Props of {@link ProbeScreen}. */
export interface ProbeScreenProps {
  /** The identity to preselect (from an identity's "Test connection"). */
  identityId?: string;
}

/** A request that fails validation is about the URL (the only free-text field that is required). */
const OVERRIDES: FieldOverrides = { KEYPORT_INVALID_ARGUMENT: 'url', KEYPORT_INVALID_REQUEST: 'url', KEYPORT_NOT_FOUND: 'identity', KEYPORT_CERT_INVALID: 'ca', KEYPORT_PEM_INVALID: 'ca' };

/** Test a connection to an mTLS endpoint: the step checklist, and the doctor's diagnosis when it fails. */
export function ProbeScreen({ identityId }: ProbeScreenProps) {
  const labelOf = useIdentityLabel();
  const [url, setUrl] = useState('');
  const [identity, setIdentity] = useState(identityId ?? 'auto');
  const [ca, setCa] = useState<File[]>([]);
  const [servername, setServername] = useState('');
  const [saving, setSaving] = useState(false);
  const [report, setReport] = useState<ConnectionReport | undefined>(undefined);
  const test = useConnectionTest();
  const error = test.error;
  const formError = errorFor(error, 'form', OVERRIDES);
  return (
    <div className="screen">
      <PageHeader title="Test connection" subtitle="Handshake with your client certificate, then an HTTP request; when it fails, what went wrong and how to fix it." />
      <div className="stack">
        <Card>
          <form
            className="form form-wide"
            onSubmit={(e) => {
              e.preventDefault();
              void test.run({ url, identity, ca, servername }).then((r) => r?.ok && setReport(r.value));
            }}
          >
            <Field label="URL" error={errorFor(error, 'url', OVERRIDES)} errorCode={error?.code}>
              <input type="url" inputMode="url" placeholder="https://api.internal.example:8443/health" value={url} onChange={(e) => setUrl(e.target.value)} required />
            </Field>
            <div className="grid-2">
              <Field label="Client identity" hint="Auto picks the one the server's CA list asks for." error={errorFor(error, 'identity', OVERRIDES)} errorCode={error?.code}>
                <IdentitySelect value={identity} onChange={setIdentity} autoLabel="Auto (chosen by the server’s request)" />
              </Field>
              <Field label="Server name (SNI)" hint="Only when it differs from the URL’s host.">
                <input type="text" value={servername} onChange={(e) => setServername(e.target.value)} placeholder="from the URL" />
              </Field>
            </div>
            <Field label="Trusted CAs" hint="PEM files of the CAs that signed the server; none: the system’s roots." error={errorFor(error, 'ca', OVERRIDES)} errorCode={error?.code}>
              <div className="row">
                <FileButton size="sm" accept=".pem,.crt,.cer" multiple inputLabel="CA files" onFiles={(picked) => setCa((list) => [...list, ...picked])}>
                  Add CA file…
                </FileButton>
                {ca.map((file) => (
                  <span key={file.name} className="chip">
                    {file.name}
                    <button type="button" className="chip-remove" aria-label={`Remove ${file.name}`} onClick={() => setCa((list) => list.filter((f) => f !== file))}>
                      ×
                    </button>
                  </span>
                ))}
              </div>
            </Field>
            {formError && <ErrorText code={error?.code}>{formError}</ErrorText>}
            <div className="form-actions">
              <Button type="submit" variant="primary" busy={test.busy} disabled={!url.trim()}>
                {test.busy ? 'Testing…' : 'Run test'}
              </Button>
              <Button disabled={!url.trim()} onClick={() => setSaving(true)}>
                Save as endpoint…
              </Button>
            </div>
          </form>
        </Card>
        {report && <ReportView report={report} labelOf={labelOf} />}
        <SavedEndpoints onReport={setReport} />
      </div>
      <SaveEndpointDialog open={saving} onOpenChange={setSaving} target={{ url, identity, servername }} />
    </div>
  );
}
