import type { ReactNode } from 'react';

/** Colour families for badges: status colours and one per key-store kind. */
export type BadgeTone = 'neutral' | 'success' | 'warning' | 'danger' | 'info' | 'keychain' | 'hsm' | 'tpm' | 'card';

/** Props of {@link Badge}. */
export interface BadgeProps {
  tone?: BadgeTone;
  children: ReactNode;
  title?: string;
}

/** A small coloured label (status, key store). */
export function Badge({ tone = 'neutral', children, title }: BadgeProps) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}
