import { useCallback, useEffect, useState } from 'react';
import type { IdentityView, KeyStoreView } from '../shared/identity';
import type { Result } from '../shared/result';
import { keyport } from './api';

/** Placeholder UI: the app name and the identity list. The real UI comes with its own issue. */
export function App() {
  const [identities, setIdentities] = useState<Result<IdentityView[]> | null>(null);

  const reload = useCallback(() => {
    void keyport.identities.list().then(setIdentities);
  }, []);

  useEffect(() => {
    reload();
    return keyport.identities.onChanged(reload);
  }, [reload]);

  return (
    <main>
      <h1>Keyport</h1>
      <IdentityList result={identities} />
    </main>
  );
}

function IdentityList({ result }: { result: Result<IdentityView[]> | null }) {
  if (!result) return <p aria-busy="true">Loading identities…</p>;
  if (!result.ok) {
    return (
      <p role="alert" data-code={result.error.code}>
        {result.error.message}
      </p>
    );
  }
  if (result.value.length === 0) {
    return (
      <p>
        No identities yet. Import one with <code>keyport import FILE</code>.
      </p>
    );
  }
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Label</th>
          <th scope="col">Subject</th>
          <th scope="col">Expires</th>
          <th scope="col">Status</th>
          <th scope="col">Key store</th>
        </tr>
      </thead>
      <tbody>
        {result.value.map((identity) => (
          <tr key={identity.id} data-id={identity.id}>
            <td>{identity.label}</td>
            <td>{identity.subject}</td>
            <td>
              <time dateTime={identity.notAfter}>{new Date(identity.notAfter).toLocaleString()}</time>
            </td>
            <td className={`status status-${identity.status}`}>{identity.status}</td>
            <td>{describeKeyStore(identity.keyStore)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function describeKeyStore(store: KeyStoreView): string {
  return store.kind === 'keychain' ? 'OS keychain' : `PKCS#11 token “${store.token}”`;
}
