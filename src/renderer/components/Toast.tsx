import * as RadixToast from '@radix-ui/react-toast';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

/** One message for the user, shown for a few seconds in the corner. */
export interface ToastMessage {
  title: string;
  description?: string;
  tone?: 'success' | 'danger' | 'info';
}

type Notify = (message: ToastMessage) => void;

const ToastContext = createContext<Notify>(() => {});

/** Shows toasts raised with {@link useToast} (Radix Toast: announced politely, F8 focuses them). */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Array<ToastMessage & { key: number }>>([]);
  const notify = useCallback<Notify>((message) => {
    setToasts((list) => [...list.slice(-3), { ...message, key: Date.now() + Math.random() }]);
  }, []);
  const remove = useCallback((key: number) => setToasts((list) => list.filter((t) => t.key !== key)), []);
  const value = useMemo(() => notify, [notify]);
  return (
    <ToastContext.Provider value={value}>
      <RadixToast.Provider swipeDirection="right" duration={5000}>
        {children}
        {toasts.map((toast) => (
          <RadixToast.Root
            key={toast.key}
            className={`toast toast-${toast.tone ?? 'info'}`}
            onOpenChange={(open) => !open && remove(toast.key)}
          >
            <RadixToast.Title className="toast-title">{toast.title}</RadixToast.Title>
            {toast.description && <RadixToast.Description className="toast-description">{toast.description}</RadixToast.Description>}
            <RadixToast.Close className="toast-close" aria-label="Dismiss">
              ×
            </RadixToast.Close>
          </RadixToast.Root>
        ))}
        <RadixToast.Viewport className="toast-viewport" />
      </RadixToast.Provider>
    </ToastContext.Provider>
  );
}

/** The function that raises a toast. */
export function useToast(): Notify {
  return useContext(ToastContext);
}
