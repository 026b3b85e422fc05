import { Component, type ErrorInfo, type ReactNode } from 'react';
import { Button } from './Button';
import { EmptyState } from './EmptyState';

/** Props of {@link ErrorBoundary}. */
export interface ErrorBoundaryProps {
  children: ReactNode;
  /** Changing it (e.g. the screen's route) clears a caught error, so leaving the screen recovers. */
  resetKey: string;
}

/**
 * Catches a rendering fault in one screen so the sidebar stays usable: the screen says what
 * happened in a sentence and offers a reload, instead of a blank window.
 */
export class ErrorBoundary extends Component<ErrorBoundaryProps, { error?: Error; key: string }> {
  override state: { error?: Error; key: string } = { key: this.props.resetKey };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  static getDerivedStateFromProps(props: ErrorBoundaryProps, state: { error?: Error; key: string }) {
    return props.resetKey === state.key ? null : { error: undefined, key: props.resetKey };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('Keyport screen failed:', error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="screen">
        <EmptyState title="This screen failed" actions={<Button onClick={() => location.reload()}>Reload Keyport</Button>}>
          {this.state.error.message.replace(/\.$/, '')}. Your identities and keys are untouched; reload, and if it happens again, report it with what you did.
        </EmptyState>
      </div>
    );
  }
}
