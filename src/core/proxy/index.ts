/**
 * The local proxy: plain TCP (or HTTP) on loopback, mTLS upstream with a Keyport identity whose key
 * never leaves its store. One entry point for the CLI, `keyport daemon` and the desktop app.
 */
import { ProxyService, type ProxyOptions } from './service';

export { ProxyService, type ProxyEvent, type ProxyOptions } from './service';
export { parseProxyConfig, loadProxyConfigFile } from './config-file';
export { parseRouteFlag, parseHttpRuleFlag, parseHttpProxyFlags } from './flags';
export { configClash, formatAddress, routeName, ProxyConfigSchema, type ProxyConfig, type ProxyConfigInput, type RouteConfig, type HttpRule, type HttpProxyConfig } from './schema';
export { PinVault, type PinVaultOptions, type TokenRef } from './pin-vault';
export { fetchProxyStatus, runningProxies } from './state-file';
export { runSavedRoutes, startConfiguredProxy, type SavedRoutesRunner } from './saved-runner';
export { addSavedRoute, checkRoute, findSavedRoute, replaceSavedRoute, removeSavedRoute, loadSavedRoutes, savedRoutesFile } from './saved-routes';
export { diagnoseRoute } from './diagnose';
export type { ProxyStatus } from './status-server';
export type { RouteStatsView } from './stats';

/** Starts a proxy; see ProxyService. */
export function startProxy(opts: ProxyOptions): Promise<ProxyService> {
  return ProxyService.start(opts);
}
