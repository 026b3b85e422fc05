import { useState } from 'react';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { Field } from '../../components/Field';
import { useExportIdentity } from '../../hooks/useIdentityActions';

/** Props of {@link Pkcs12ExportDialog}. */
export interface Pkcs12ExportDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  identityId: string;
}

/** Asks for the password that protects an exported PKCS#12 (twice), then downloads the file. */
export function Pkcs12ExportDialog({ open, onOpenChange, identityId }: Pkcs12ExportDialogProps) {
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [legacy, setLegacy] = useState(false);
  const exporter = useExportIdentity(identityId);
  const mismatch = again.length > 0 && again !== password ? 'The two passwords differ: type the same password twice.' : undefined;
  const submit = async () => {
    const result = await exporter.run({ format: 'pkcs12', password, legacy });
    if (result?.ok) {
      setPassword('');
      setAgain('');
      onOpenChange(false);
    }
  };
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title="Export as PKCS#12"
      description="The file holds the private key, encrypted with this password. Send the password by another channel than the file."
      footer={
        <>
          <Button variant="ghost" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button variant="primary" busy={exporter.busy} disabled={!password || password !== again} onClick={() => void submit()}>
            Export .p12
          </Button>
        </>
      }
    >
      <Field label="Password" error={exporter.error?.message} errorCode={exporter.error?.code}>
        <input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
      </Field>
      <Field label="Password again" error={mismatch}>
        <input type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} />
      </Field>
      <label className="check">
        <input type="checkbox" checked={legacy} onChange={(e) => setLegacy(e.target.checked)} />
        Legacy encryption (3DES/RC2) for old tools such as macOS Keychain before 2020 or Java 8
      </label>
    </Dialog>
  );
}
