/**
 * The UI's one way to reach Keyport: the preload's `window.keyport` in the desktop app, or the
 * same contract over HTTP when the page is served by `keyport serve` (see src/shared/contract.ts).
 */
import { createClient, type KeyportApi, type Transport } from '../shared/client';
import type { EventName } from '../shared/contract';

/**
 * One EventSource for the whole page, shared by every subscription: a browser allows only six
 * HTTP/1.1 connections per host, so one stream per subscriber would soon starve the API calls.
 */
function createEventStream() {
  let source: EventSource | undefined;
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const attach = (event: EventName) => {
    source?.addEventListener(event, (message) => {
      let payload: unknown;
      try {
        payload = JSON.parse((message as MessageEvent<string>).data);
      } catch {
        return; // A garbled event is dropped; the next change event reloads the data anyway.
      }
      for (const listener of [...(listeners.get(event) ?? [])]) listener(payload);
    });
  };
  return (event: EventName, listener: (payload: unknown) => void) => {
    if (!source) source = new EventSource('/api/events');
    let set = listeners.get(event);
    if (!set) {
      set = new Set();
      listeners.set(event, set);
      attach(event);
    }
    const entry = (payload: unknown) => listener(payload);
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  };
}

const subscribe = createEventStream();

const httpTransport: Transport = {
  async invoke(method, request) {
    const response = await fetch(`/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    if (!response.headers.get('content-type')?.includes('application/json')) {
      throw new Error(`HTTP ${response.status} from the Keyport server`);
    }
    return response.json();
  },
  subscribe,
};

/** The typed Keyport API for the UI. */
export const keyport: KeyportApi = window.keyport ?? createClient(httpTransport);
