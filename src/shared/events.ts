import type { ContractEvents, EventName } from './contract';

/** A listener for one contract event. */
export type EventListener<E extends EventName> = (payload: ContractEvents[E]) => void;

/** Stops a subscription; calling it twice is harmless. */
export type Unsubscribe = () => void;

/** Where contract events are published on the serving side (Electron main, `keyport serve`). */
export interface EventHub {
  emit<E extends EventName>(name: E, payload: ContractEvents[E]): void;
  subscribe<E extends EventName>(name: E, listener: EventListener<E>): Unsubscribe;
  /** True while someone listens to `name` (periodic events such as `proxy.stats` are skipped otherwise). */
  hasSubscribers(name: EventName): boolean;
}

/**
 * An in-process event hub. A listener that throws is isolated so one bad subscriber cannot
 * stop the others or fail the request that emitted the event.
 */
export function createEventHub(onListenerError: (e: unknown) => void = () => {}): EventHub {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  return {
    emit(name, payload) {
      for (const listener of [...(listeners.get(name) ?? [])]) {
        try {
          listener(payload);
        } catch (e) {
          onListenerError(e);
        }
      }
    },
    subscribe(name, listener) {
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set);
      // A wrapper per subscription, so subscribing the same function twice needs two unsubscribes.
      const entry = (payload: unknown) => listener(payload as Parameters<typeof listener>[0]);
      set.add(entry);
      return () => {
        set.delete(entry);
      };
    },
    hasSubscribers(name) {
      return (listeners.get(name)?.size ?? 0) > 0;
    },
  };
}
