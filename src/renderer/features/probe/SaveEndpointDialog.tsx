import { useState } from 'react';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { Field } from '../../components/Field';
import { useToast } from '../../components/Toast';
import { useAddEndpoint, type EndpointForm } from '../../hooks/useEndpoints';

/** Props of {@link SaveEndpointDialog}. */
export interface SaveEndpointDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  target: Omit<EndpointForm, 'name'>;
}

/** Names the current URL and identity as a saved endpoint. CA files stay with the page (the CLI can add paths). */
export function SaveEndpointDialog({ open, onOpenChange, target }: SaveEndpointDialogProps) {
  const [name, setName] = useState('');
  const adder = useAddEndpoint();
  const notify = useToast();
  const save = async () => {
    const result = await adder.run({ ...target, name });
    if (result?.ok) {
      notify({ title: 'Endpoint saved', description: `${result.value.name} can be re-run from the list.`, tone: 'success' });
      setName('');
      onOpenChange(false);
    }
  };
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title="Save as endpoint"
      description={<span className="mono">{target.url}</span>}
      footer={
        <>
          <Button variant="ghost" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button variant="primary" busy={adder.busy} disabled={!name.trim()} onClick={() => void save()}>
            Save
          </Button>
        </>
      }
    >
      <Field label="Name" hint="Short and unique, e.g. prod-api; `keyport test NAME` runs it too." error={adder.error?.message} errorCode={adder.error?.code}>
        <input type="text" value={name} onChange={(e) => setName(e.target.value)} maxLength={64} />
      </Field>
    </Dialog>
  );
}
