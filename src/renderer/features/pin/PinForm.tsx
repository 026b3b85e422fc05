import { useState } from 'react';
import { Button } from '../../components/Button';
import { Field } from '../../components/Field';

/** Props of {@link PinForm}. */
export interface PinFormProps {
  onSubmit: (pin: string) => void;
  onCancel: () => void;
  busy?: boolean;
  error?: string;
  errorCode?: string;
  submitLabel?: string;
}

/** A PIN field with its buttons; the PIN lives only in this form's state until it is submitted. */
export function PinForm({ onSubmit, onCancel, busy, error, errorCode, submitLabel = 'Unlock' }: PinFormProps) {
  const [pin, setPin] = useState('');
  return (
    <form
      className="dialog-body"
      onSubmit={(e) => {
        e.preventDefault();
        if (pin) onSubmit(pin);
        setPin('');
      }}
    >
      <Field label="PIN" error={error} errorCode={errorCode}>
        <input type="password" inputMode="numeric" autoComplete="off" autoFocus value={pin} onChange={(e) => setPin(e.target.value)} />
      </Field>
      <div className="dialog-footer">
        <Button variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" busy={busy} disabled={!pin}>
          {submitLabel}
        </Button>
      </div>
    </form>
  );
}
