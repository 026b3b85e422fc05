import { useState } from 'react';
import type { Destination } from '../../../shared/views';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ErrorText } from '../../components/ErrorText';
import { Field } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { useToast } from '../../components/Toast';
import { useImport } from '../../hooks/useImport';
import { errorFor } from '../../lib/error-field';
import { DestinationSelect } from '../tokens/DestinationSelect';
import { DropZone } from './DropZone';

/** Props of {@link ImportScreen}. */
export interface ImportScreenProps {
  navigate: (to: string) => void;
  /** A file handed over by a drop on the window or the OS "open with". */
  initialFile?: File;
}

const STAGES: Record<string, string> = {
  decrypting: 'Decrypting (PKCS#12 key derivation can take a few seconds)…',
  storing: 'Storing the key…',
  signing: 'Checking the key…',
};

function isPem(file: File | undefined): boolean {
  return Boolean(file && /\.(pem|crt|cer)$/i.test(file.name));
}

/** Import a PKCS#12 or PEM identity into the keychain or onto a token; errors appear by their field. */
export function ImportScreen({ navigate, initialFile }: ImportScreenProps) {
  const [file, setFile] = useState<File | undefined>(initialFile);
  const [key, setKey] = useState<File | undefined>(undefined);
  const [password, setPassword] = useState('');
  const [to, setTo] = useState<Destination>({ kind: 'keychain' });
  const [label, setLabel] = useState('');
  const importer = useImport();
  const notify = useToast();
  const error = importer.error;
  const submit = async () => {
    if (!file) return;
    const result = await importer.run({ file, key, password, to, label });
    if (result?.ok) {
      notify({ title: 'Identity imported', description: `${file.name} is ready to use.`, tone: 'success' });
      navigate(`identities/${encodeURIComponent(result.value.id)}`);
    }
  };
  const formError = errorFor(error, 'form');
  return (
    <div className="screen">
      <PageHeader title="Import an identity" subtitle="A PKCS#12 (.p12, .pfx) from your CA, or a PEM certificate with its key." />
      <div className="split">
        <Card>
          <form
            className="form"
            onSubmit={(e) => {
              e.preventDefault();
              void submit();
            }}
          >
            <Field label="File" error={errorFor(error, 'file')} errorCode={error?.code}>
              <DropZone file={file} onFile={setFile} accept=".p12,.pfx,.pem,.crt,.cer,application/x-pkcs12" />
            </Field>
            {isPem(file) && (
              <Field label="Private key (PEM)" hint="Only when the key is not in the same PEM file." error={errorFor(error, 'key')} errorCode={error?.code}>
                <DropZone file={key} onFile={setKey} accept=".pem,.key" />
              </Field>
            )}
            <Field
              label="Password"
              hint="The password the file was protected with. Leave empty if it has none."
              error={errorFor(error, 'password')}
              errorCode={error?.code}
            >
              <input type="password" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} />
            </Field>
            <Field
              label="Store the key in"
              hint="A token keeps the key on the device: it signs, and the key never leaves it."
              error={errorFor(error, 'destination')}
              errorCode={error?.code}
            >
              <DestinationSelect value={to} onChange={setTo} />
            </Field>
            <Field label="Label" hint="A name you will recognise, e.g. “prod API laptop”. Defaults to the certificate’s name.">
              <input type="text" value={label} onChange={(e) => setLabel(e.target.value)} maxLength={200} />
            </Field>
            {formError && <ErrorText code={error?.code}>{formError}</ErrorText>}
            {importer.busy && (
              <p className="progress" role="status">
                <span className="spinner" aria-hidden="true" />
                {(importer.stage && STAGES[importer.stage]) ?? 'Importing…'}
              </p>
            )}
            <div className="form-actions">
              <Button type="submit" variant="primary" busy={importer.busy} disabled={!file}>
                Import
              </Button>
              <Button variant="ghost" onClick={() => navigate('identities')}>
                Cancel
              </Button>
            </div>
          </form>
        </Card>
        <aside className="aside">
          <h2 className="aside-title">What happens</h2>
          <ol className="aside-steps">
            <li>Keyport reads the file on this computer; nothing is uploaded anywhere.</li>
            <li>The private key goes to the store you pick: the OS keychain, or a token where it stays.</li>
            <li>The certificate chain is kept in Keyport’s registry, ready for connection tests and the proxy.</li>
          </ol>
          <p className="faint">Also from a terminal: <code>keyport import FILE --to keychain</code></p>
        </aside>
      </div>
    </div>
  );
}
