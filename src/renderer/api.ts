/**
 * The UI's one way to reach Keyport: the preload's `window.keyport` in the desktop app, or the
 * same contract over HTTP when the page is served by `keyport serve` (see src/shared/contract.ts).
 */
import { createClient, type KeyportApi, type Transport } from '../shared/client';

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
  subscribe(event, listener) {
    const source = new EventSource('/api/events');
    source.addEventListener(event, (message) => {
      try {
        listener(JSON.parse(message.data));
      } catch {
        // A garbled event is dropped; the next change event reloads the data anyway.
      }
    });
    return () => source.close();
  },
};

/** The typed Keyport API for the UI. */
export const keyport: KeyportApi = window.keyport ?? createClient(httpTransport);
