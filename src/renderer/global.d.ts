import type { KeyportApi } from '../shared/client';

declare global {
  interface Window {
    /** Set by the preload in the desktop app; absent in a plain browser on `keyport serve`. */
    keyport?: KeyportApi;
  }
}
