import { useState } from 'react';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ErrorText } from '../../components/ErrorText';
import { Field } from '../../components/Field';
import { useIdentities } from '../../hooks/useIdentities';
import { useAddRoute } from '../../hooks/useProxy';
import { readFilePayload } from '../../lib/files';
import { IdentitySelect } from '../identities/IdentitySelect';
import { CaFileField } from './CaFileField';

/** A new saved route: name, local port, upstream, identity and the upstream's CA. */
export function AddRouteForm() {
  const { result: identities } = useIdentities();
  const [name, setName] = useState('');
  const [port, setPort] = useState('');
  const [upstream, setUpstream] = useState('');
  const [identity, setIdentity] = useState('');
  const [ca, setCa] = useState<File | undefined>(undefined);
  const add = useAddRoute();
  const chosen = identity || (identities?.ok ? (identities.value[0]?.id ?? '') : '');
  const submit = async () => {
    const result = await add.run({
      name: name.trim(),
      listen: `127.0.0.1:${port.trim()}`,
      upstream: upstream.trim(),
      identity: chosen,
      ca: ca ? [await readFilePayload(ca)] : undefined,
    });
    if (result?.ok) {
      setName('');
      setPort('');
      setUpstream('');
      setCa(undefined);
    }
  };
  return (
    <Card title="Add a route">
      <form
        className="form form-wide"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="grid-2">
          <Field label="Route name" hint="e.g. prod-db">
            <input type="text" value={name} onChange={(e) => setName(e.target.value)} maxLength={64} required />
          </Field>
          <Field label="Local port" hint="On 127.0.0.1 only.">
            <input type="number" min={1} max={65535} value={port} onChange={(e) => setPort(e.target.value)} required />
          </Field>
          <Field label="Upstream (host:port)" hint="The mTLS server.">
            <input type="text" value={upstream} onChange={(e) => setUpstream(e.target.value)} placeholder="db.internal.example:5432" required />
          </Field>
          <Field label="Identity">
            <IdentitySelect value={chosen} onChange={setIdentity} />
          </Field>
        </div>
        <CaFileField file={ca} onFile={setCa} hint="The CA that signed the server; none: the system’s roots." inputLabel="Upstream CA file" />
        {add.error && <ErrorText code={add.error.code}>{add.error.message}</ErrorText>}
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={add.busy} disabled={!name.trim() || !port.trim() || !upstream.trim() || !chosen}>
            Add route
          </Button>
        </div>
      </form>
    </Card>
  );
}
