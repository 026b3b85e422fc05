import type { ReactNode } from 'react';
import { Field } from '../../components/Field';
import { FileButton } from '../../components/FileButton';

/** The one CA file a route trusts for its upstream, chosen with the system picker. */
export function CaFileField({ file, onFile, hint, inputLabel }: { file?: File; onFile(file: File | undefined): void; hint: ReactNode; inputLabel: string }) {
  return (
    <Field label="Upstream CA" hint={hint}>
      <div className="row">
        <FileButton size="sm" accept=".pem,.crt,.cer" inputLabel={inputLabel} onFiles={([picked]) => onFile(picked)}>
          {file ? file.name : 'Choose CA file…'}
        </FileButton>
      </div>
    </Field>
  );
}
