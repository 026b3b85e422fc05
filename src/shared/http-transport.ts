/**
 * The contract over `keyport serve`'s HTTP API, for the UI in a plain browser. All events share
 * ONE EventSource: a browser allows only ~6 connections per host over HTTP/1.1, so a stream per
 * event name would starve the API calls.
 */
import type { Transport } from './client';
import type { EventName } from './contract';

/** Builds the transport; `base` is the server's origin ('' for the page's own). */
export function createHttpTransport(base = ''): Transport {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let source: EventSource | undefined;

  const connect = (event: EventName) => {
    source ??= new EventSource(`${base}/api/events`);
    source.addEventListener(event, (message) => {
      let payload: unknown;
      try {
        payload = JSON.parse((message as MessageEvent<string>).data);
      } catch {
        // A garbled event is dropped; the next change event reloads the data anyway.
        return;
      }
      for (const listener of [...(listeners.get(event) ?? [])]) listener(payload);
    });
  };

  return {
    async invoke(method, request) {
      const response = await fetch(`${base}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
      });
      if (!response.headers.get('content-type')?.includes('application/json')) {
        throw new Error(`HTTP ${response.status} from the Keyport server`);
      }
      return response.json();
    },
    subscribe(event, listener) {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
        connect(event);
      }
      const entry = (payload: unknown) => listener(payload);
      set.add(entry);
      return () => {
        set.delete(entry);
      };
    },
  };
}
