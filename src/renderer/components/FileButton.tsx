import { useRef, type ReactNode } from 'react';
import { Button, type ButtonProps } from './Button';

/** Props of {@link FileButton}. */
export interface FileButtonProps extends Pick<ButtonProps, 'variant' | 'size' | 'busy' | 'disabled'> {
  children: ReactNode;
  /** File types offered by the picker, as the input's `accept`. */
  accept: string;
  /** The hidden input's accessible name (tests and screen readers find the picker by it). */
  inputLabel: string;
  multiple?: boolean;
  /** The files chosen; not called when the picker is cancelled. */
  onFiles(files: File[]): void;
}

/**
 * A button that opens the system file picker. The native input stays hidden (it cannot be styled)
 * and out of the tab order, since the button is what people focus; its value is cleared after each
 * pick so choosing the same file again still reports it.
 */
export function FileButton({ children, accept, inputLabel, multiple = false, onFiles, ...button }: FileButtonProps) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <Button {...button} onClick={() => input.current?.click()}>
        {children}
      </Button>
      <input
        ref={input}
        className="visually-hidden"
        type="file"
        accept={accept}
        multiple={multiple}
        tabIndex={-1}
        aria-label={inputLabel}
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          if (files.length > 0) onFiles(files);
        }}
      />
    </>
  );
}
