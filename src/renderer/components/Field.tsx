import { cloneElement, useId, type ReactElement, type ReactNode } from 'react';

/** Props of {@link Field}. */
export interface FieldProps {
  label: string;
  /** One input element (input, select, textarea); it receives id, aria-invalid and aria-describedby. */
  children: ReactElement<Record<string, unknown>>;
  hint?: ReactNode;
  /** The error that concerns this field, shown right under it. */
  error?: string;
  errorCode?: string;
  className?: string;
}

/** A labelled form field whose hint and error are tied to the input for screen readers. */
export function Field({ label, children, hint, error, errorCode, className }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={['field', error ? 'field-invalid' : '', className].filter(Boolean).join(' ')}>
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {cloneElement(children, { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {hint && !error && (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={errorId} role="alert" data-code={errorCode}>
          {error}
        </p>
      )}
    </div>
  );
}
