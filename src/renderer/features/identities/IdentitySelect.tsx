import type { SelectHTMLAttributes } from 'react';
import { useIdentities } from '../../hooks/useIdentities';

/** Props of {@link IdentitySelect}; the rest (id, aria-*) go to the select, as {@link Field} passes them. */
export interface IdentitySelectProps extends Omit<SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange'> {
  value: string;
  onChange(id: string): void;
  /** Offer "auto" first, shown with this text. */
  autoLabel?: string;
}

/** A picker of the stored identities, each shown by its label and subject. */
export function IdentitySelect({ value, onChange, autoLabel, ...select }: IdentitySelectProps) {
  const { result: identities } = useIdentities();
  return (
    <select {...select} value={value} onChange={(e) => onChange(e.target.value)}>
      {autoLabel && <option value="auto">{autoLabel}</option>}
      {identities?.ok &&
        identities.value.map((i) => (
          <option key={i.id} value={i.id}>
            {i.label} — {i.subject}
          </option>
        ))}
    </select>
  );
}
