import type { ReactNode } from 'react';

/** Props of {@link EmptyState}. */
export interface EmptyStateProps {
  title: string;
  /** What to do first, in a sentence. */
  children: ReactNode;
  /** The buttons that do it. */
  actions?: ReactNode;
  icon?: ReactNode;
}

/** What a screen shows when it has nothing yet: what this is and what to do first. */
export function EmptyState({ title, children, actions, icon }: EmptyStateProps) {
  return (
    <div className="empty-state">
      {icon && <div className="empty-icon" aria-hidden="true">{icon}</div>}
      <h2 className="empty-title">{title}</h2>
      <div className="empty-text">{children}</div>
      {actions && <div className="empty-actions">{actions}</div>}
    </div>
  );
}
