/**
 * The UI's one way to reach Keyport: the preload's `window.keyport` in the desktop app, or the
 * same contract over HTTP when the page is served by `keyport serve` (see src/shared/contract.ts).
 */
import { createClient, type KeyportApi } from '../shared/client';
import { createHttpTransport } from '../shared/http-transport';

/** The typed Keyport API for the UI. */
export const keyport: KeyportApi = window.keyport ?? createClient(createHttpTransport());
