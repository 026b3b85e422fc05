import { useState } from 'react';
import type { Destination } from '../../../shared/views';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { CopyButton } from '../../components/CopyButton';
import { ErrorText } from '../../components/ErrorText';
import { Field } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { ALGORITHMS, useKeygen, type Algorithm } from '../../hooks/useKeys';
import { errorFor, type FieldOverrides } from '../../lib/error-field';
import { downloadText } from '../../lib/files';
import { DestinationSelect } from '../tokens/DestinationSelect';
import { PendingKeys } from './PendingKeys';

const ALGORITHM_HINTS: Record<Algorithm, string> = {
  'EC-P256': 'EC P-256 — fast, small, accepted everywhere (recommended)',
  'EC-P384': 'EC P-384 — for policies that ask for 192-bit strength',
  'RSA-2048': 'RSA 2048 — for old servers and CAs without EC',
  'RSA-3072': 'RSA 3072 — RSA for policies past 2030',
};

/** Invalid-argument errors of keygen are about the subject (the SANs have their own sentence). */
const OVERRIDES: FieldOverrides = { KEYPORT_INVALID_ARGUMENT: 'subject', KEYPORT_INVALID_REQUEST: 'subject' };

/** Create a key where it will live and its CSR; then attach the certificate the CA issues. */
export function KeygenScreen() {
  const [to, setTo] = useState<Destination>({ kind: 'keychain' });
  const [algorithm, setAlgorithm] = useState<Algorithm>('EC-P256');
  const [subject, setSubject] = useState('');
  const [sans, setSans] = useState('');
  const [label, setLabel] = useState('');
  const keygen = useKeygen();
  const error = keygen.error;
  const sansError = error && /SAN/.test(error.message) ? error.message : undefined;
  const subjectError = sansError ? undefined : errorFor(error, 'subject', OVERRIDES);
  const formError = errorFor(error, 'form', OVERRIDES);
  const submit = () => void keygen.run({ to, algorithm, subject, sans, label });
  return (
    <div className="screen">
      <PageHeader title="New key" subtitle="Make the key where it will live, send the CSR to your CA, then attach what it issues." />
      <div className="stack">
        <Card title="1. Key and certificate request">
          <form
            className="form"
            onSubmit={(e) => {
              e.preventDefault();
              submit();
            }}
          >
            <div className="grid-2">
              <Field label="Store the key in" error={errorFor(error, 'destination')} errorCode={error?.code}>
                <DestinationSelect value={to} onChange={setTo} />
              </Field>
              <Field label="Algorithm" hint={ALGORITHM_HINTS[algorithm]}>
                <select value={algorithm} onChange={(e) => setAlgorithm(e.target.value as Algorithm)}>
                  {ALGORITHMS.map((a) => (
                    <option key={a} value={a}>
                      {a}
                    </option>
                  ))}
                </select>
              </Field>
            </div>
            <Field label="Subject" hint="A distinguished name, e.g. CN=alice,O=Example" error={subjectError} errorCode={error?.code}>
              <input type="text" value={subject} onChange={(e) => setSubject(e.target.value)} placeholder="CN=alice,O=Example" required />
            </Field>
            <Field label="Subject alternative names" hint="One per line or comma-separated: DNS names, e-mail addresses, IPs." error={sansError} errorCode={error?.code}>
              <textarea rows={3} value={sans} onChange={(e) => setSans(e.target.value)} placeholder="alice.example.com" />
            </Field>
            <Field label="Label" hint="Optional; the identity’s name once the certificate is attached.">
              <input type="text" value={label} onChange={(e) => setLabel(e.target.value)} maxLength={200} />
            </Field>
            {formError && <ErrorText code={error?.code}>{formError}</ErrorText>}
            {keygen.busy && (
              <p className="progress" role="status">
                <span className="spinner" aria-hidden="true" />
                {keygen.stage === 'signing' ? 'Signing the CSR…' : 'Generating the key (RSA on a token can take a while)…'}
              </p>
            )}
            <div className="form-actions">
              <Button type="submit" variant="primary" busy={keygen.busy} disabled={!subject.trim()}>
                Generate key and CSR
              </Button>
            </div>
          </form>
        </Card>
        {keygen.value && (
          <Card
            title="Certificate request"
            actions={
              <>
                <CopyButton text={keygen.value.csr} label="Copy CSR" />
                <Button size="sm" onClick={() => downloadText(`${keygen.value!.keyId}.csr`, keygen.value!.csr, 'application/pkcs10')}>
                  Save .csr
                </Button>
              </>
            }
          >
            <p className="muted csr-note">
              Key <code data-field="key-id">{keygen.value.keyId}</code> is ready. Send this CSR to your CA, then attach the certificate it issues below.
            </p>
            <pre className="code-block" data-field="csr">{keygen.value.csr}</pre>
          </Card>
        )}
        <PendingKeys />
      </div>
    </div>
  );
}
