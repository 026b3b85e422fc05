/**
 * The app's core (Electron main, `keyport serve`): Keyport with PINs from the UI, settings, the
 * idle logout and cross-process change events, behind the contract's KeyportServices.
 */
export { AppServices, type AppServicesOptions } from './app-services';
export { DEFAULT_SETTINGS } from './settings-store';
export { PIN_REQUEST_TIMEOUT_MS } from './pin-broker';
export { TOKEN_POLL_MS } from './token-watch';
