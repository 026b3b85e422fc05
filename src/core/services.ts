import type { IdentityView, TokenModuleView } from '../shared/identity';

/**
 * What the app (Electron main, `keyport serve`, the CLI) can ask of Keyport's core.
 * The Electron main and the HTTP server only wire these to the IPC contract.
 */
export interface KeyportServices {
  listIdentities(): Promise<IdentityView[]>;
  showIdentity(id: string): Promise<IdentityView & { chainPem: string }>;
  removeIdentity(id: string): Promise<void>;
  listTokens(): Promise<TokenModuleView[]>;
  close(): Promise<void>;
}
