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
      <span className="error-icon" aria-hidden="true">!</span>
      {children}
    </p>
  );
}
