/**
 * The serving side of the contract: validates a request with its zod schema, calls the core and
 * turns every outcome into a Result. Transport-free, so Electron IPC and `keyport serve` share it.
 */
import type { z } from 'zod';
import type { KeyportServices, ProgressReporter } from '../core/services';
import { version } from '../../package.json';
import { isMethodName, requestSchema, type MethodName, type ResponseOf, type ValidRequestOf } from './contract';
import { KeyportError, toKeyportError } from './errors';
import type { EventHub } from './events';
import { err, ok, type Result } from './result';
import type { ProgressUpdate } from './views';

/** Options for `serveContract`. */
export interface ServeOptions {
  /** Where events caused by a request are published (e.g. `identities.changed` after a removal). */
  events?: EventHub;
  /** Told about faults that are not KeyportErrors, for the server's own diagnostics. */
  onInternalError?: (error: unknown) => void;
}

type Binding<M extends MethodName> = (
  services: KeyportServices,
  request: ValidRequestOf<M>,
  events: EventHub | undefined,
) => Promise<ResponseOf<M>>;

/** How each method maps onto the core services; the mapped type makes a missing method a compile error. */
const bindings: { [M in MethodName]: Binding<M> } = {
  'app.version': async () => ({ name: 'Keyport', version }),
  'app.takeOpenedFiles': async (services) => services.takeOpenedFiles(),
  'identities.list': (services) => services.listIdentities(),
  'identities.show': (services, { id }) => services.showIdentity(id),
  'identities.remove': async (services, { id }, events) => {
    await services.removeIdentity(id);
    events?.emit('identities.changed', { change: 'removed', id });
    return null;
  },
  'identities.import': async (services, { progressId, ...request }, events) => {
    const id = await withProgress(events, progressId, 'import', (progress) => services.importIdentity(request, progress));
    events?.emit('identities.changed', { change: 'added', id });
    return { id };
  },
  'identities.export': (services, request) => services.exportIdentity(request),
  'keys.generate': (services, { progressId, ...request }, events) =>
    withProgress(events, progressId, 'keygen', (progress) => services.generateKey(request, progress)),
  'keys.pending': (services) => services.pendingKeys(),
  'keys.attach': async (services, { keyId, certificate, label }, events) => {
    const id = await services.attachCertificate(keyId, certificate, label);
    events?.emit('identities.changed', { change: 'added', id });
    return { id };
  },
  'tokens.list': (services) => services.listTokens(),
  'tokens.login': async (services, { pin, ...token }, events) => {
    await services.loginToken(token, pin);
    events?.emit('tokens.changed', {});
    return null;
  },
  'tokens.logout': async (services, token, events) => {
    await services.logoutToken(token);
    events?.emit('tokens.changed', {});
    return null;
  },
  'connection.test': (services, { ca, ...request }) => services.testConnection({ ...request, ca: ca ?? [] }),
  'endpoints.list': (services) => services.listEndpoints(),
  'endpoints.add': async (services, request, events) => {
    const endpoint = await services.addEndpoint(request);
    events?.emit('endpoints.changed', {});
    return endpoint;
  },
  'endpoints.remove': async (services, { name }, events) => {
    await services.removeEndpoint(name);
    events?.emit('endpoints.changed', {});
    return null;
  },
  'endpoints.test': async (services, { name, identity }, events) => {
    const report = await services.testEndpoint(name, identity);
    events?.emit('endpoints.changed', {});
    return report;
  },
  'settings.get': (services) => services.getSettings(),
  'settings.set': async (services, change, events) => {
    const settings = await services.updateSettings(change);
    events?.emit('settings.changed', settings);
    return settings;
  },
  'pin.answer': async (services, { requestId, pin }) => {
    if (!services.answerPin(requestId, pin)) throw noPinRequest();
    return null;
  },
  'pin.cancel': async (services, { requestId }) => {
    if (!services.cancelPin(requestId)) throw noPinRequest();
    return null;
  },
  // The routes controller publishes routes.changed itself (edits by the CLI and proxy reloads too).
  'routes.list': (services) => services.listRoutes(),
  'routes.add': (services, { route }) => services.addRoute(route),
  'routes.update': (services, { name, route }) => services.updateRoute(name, route),
  'routes.remove': (services, { name }) => services.removeRoute(name),
  'routes.start': (services) => services.startRoutes(),
  'routes.stop': (services) => services.stopRoutes(),
  'routes.diagnose': (services, { name, http }) => services.diagnoseRoute(name, http ?? false),
  'renewal.show': (services, { id }) => services.showRenewal(id),
  'renewal.set': (services, request) => services.setRenewal(request),
  'renewal.renewNow': async (services, { id, rekey }, events) => {
    const outcome = await services.renewNow(id, rekey);
    events?.emit('identities.changed', { change: 'updated', id: outcome.id });
    return outcome;
  },
  'renewal.refreshRoots': (services) => services.refreshRoots(),
  'audit.list': (services, query) => services.listAudit(query),
};

/** Runs a slow operation, publishing `progress.update` events when the caller gave a progressId. */
async function withProgress<T>(
  events: EventHub | undefined,
  progressId: string | undefined,
  operation: ProgressUpdate['operation'],
  run: (progress: ProgressReporter) => Promise<T>,
): Promise<T> {
  const report = (stage: string, done: boolean) => {
    if (progressId !== undefined) events?.emit('progress.update', { progressId, operation, stage, done });
  };
  try {
    const value = await run((stage) => report(stage, false));
    report('done', true);
    return value;
  } catch (e) {
    report('failed', true);
    throw e;
  }
}

function noPinRequest(): KeyportError {
  return new KeyportError('KEYPORT_NOT_FOUND', 'That PIN request is over (answered elsewhere, cancelled or timed out); retry the operation if it failed.');
}

/**
 * Serves one request. Never throws: an unknown method or a body its schema rejects gives
 * KEYPORT_INVALID_REQUEST, a thrown KeyportError keeps its code and sentence, anything else
 * becomes KEYPORT_INTERNAL with its message only (never a stack).
 */
export async function serveContract(
  services: KeyportServices,
  method: string,
  body: unknown,
  options: ServeOptions = {},
): Promise<Result<unknown>> {
  if (!isMethodName(method)) {
    return err('KEYPORT_INVALID_REQUEST', `Unknown method ${quote(method)}: the UI and Keyport are different versions; restart Keyport.`);
  }
  // A missing body means "no parameters": IPC invoke without an argument, or an empty HTTP POST.
  const parsed = requestSchema(method).safeParse(body === undefined ? {} : body);
  if (!parsed.success) {
    return err('KEYPORT_INVALID_REQUEST', describeInvalid(method, parsed.error));
  }
  try {
    const binding = bindings[method] as Binding<MethodName>;
    return ok(await binding(services, parsed.data as ValidRequestOf<MethodName>, options.events));
  } catch (e) {
    const error = toKeyportError(e, `Keyport failed to answer ${method}`);
    if (error.code === 'KEYPORT_INTERNAL') options.onInternalError?.(e);
    return err(error.code, error.message);
  }
}

/** One sentence naming the first problem with the request, e.g. `Invalid identities.show request: id: ...`. */
function describeInvalid(method: MethodName, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `Invalid ${method} request.`;
  const where = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
  return `Invalid ${method} request: ${where}${issue.message.replace(/\.$/, '')}.`;
}

/** Echoes a caller-supplied name safely: bounded and JSON-quoted, so it cannot forge log lines. */
function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}
