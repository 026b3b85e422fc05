import { useState } from 'react';
import type { RouteView } from '../../../shared/app-views';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { ErrorText } from '../../components/ErrorText';
import { Field } from '../../components/Field';
import { useUpdateRoute } from '../../hooks/useProxy';
import { readFilePayload } from '../../lib/files';
import { IdentitySelect } from '../identities/IdentitySelect';
import { CaFileField } from './CaFileField';

/**
 * Edits a saved route with `routes.update`, prefilled from it. The saved CA file cannot be sent back
 * (the page only sees its path), so a route that trusts a CA needs the CA file chosen again.
 */
export function EditRouteDialog({ route, open, onOpenChange }: { route: RouteView; open: boolean; onOpenChange: (open: boolean) => void }) {
  const [port, setPort] = useState(route.listen.split(':').pop() ?? '');
  const [upstream, setUpstream] = useState(route.upstream);
  const [identity, setIdentity] = useState(route.identity);
  const [ca, setCa] = useState<File | undefined>(undefined);
  const update = useUpdateRoute();
  const needsCa = route.ca.length > 0 && !ca;
  const submit = async () => {
    const result = await update.run(route.name, {
      name: route.name,
      listen: `127.0.0.1:${port.trim()}`,
      upstream: upstream.trim(),
      identity,
      ca: ca ? [await readFilePayload(ca)] : undefined,
      ...(route.servername ? { servername: route.servername } : {}),
      ...(route.alpn ? { alpn: route.alpn } : {}),
      maxConnections: route.maxConnections,
      idleTimeout: route.idleTimeout,
    });
    if (result?.ok) onOpenChange(false);
  };
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title={`Edit route ${route.name}`}
      description="A running route moves to its new address when you save."
      footer={
        <>
          <Button onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button variant="primary" busy={update.busy} disabled={!port.trim() || !upstream.trim() || needsCa} onClick={() => void submit()}>
            Save route
          </Button>
        </>
      }
    >
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Field label="Local port" hint="On 127.0.0.1 only.">
          <input type="number" min={1} max={65535} value={port} onChange={(e) => setPort(e.target.value)} required />
        </Field>
        <Field label="Upstream (host:port)">
          <input type="text" value={upstream} onChange={(e) => setUpstream(e.target.value)} required />
        </Field>
        <Field label="Identity">
          <IdentitySelect value={identity} onChange={setIdentity} />
        </Field>
        <CaFileField
          file={ca}
          onFile={setCa}
          hint={route.ca.length ? 'Choose the CA file again: it replaces the saved copy.' : 'None: the system’s roots.'}
          inputLabel="Upstream CA file for the edit"
        />
        {update.error && <ErrorText code={update.error.code}>{update.error.message}</ErrorText>}
      </form>
    </Dialog>
  );
}
