import { CircleAlert } from 'lucide-react';
import type { ReactNode } from 'react';

/** Props of {@link ErrorText}. */
export interface ErrorTextProps {
  children: ReactNode;
  id?: string;
  /** The stable error code, kept on the element for tests and bug reports. */
  code?: string;
}

/** An error sentence in words, announced to screen readers when it appears. */
export function ErrorText({ children, id, code }: ErrorTextProps) {
  return (
    <p className="error-text" role="alert" id={id} data-code={code}>
      <CircleAlert className="error-icon" size={16} aria-hidden="true" />
      {children}
    </p>
  );
}
