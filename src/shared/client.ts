/**
 * The calling side of the contract: builds the typed API (`keyport.identities.list()`, ...) over
 * any transport. The preload builds it over Electron IPC; a plain browser over HTTP.
 */
import {
  eventNames,
  methodNames,
  type ContractEvents,
  type EventName,
  type MethodName,
  type RequestOf,
  type ResponseOf,
} from './contract';
import type { Unsubscribe } from './events';
import { err, type Result } from './result';

/** How requests and events travel; a transport may throw, the client turns that into a Result. */
export interface Transport {
  invoke(method: MethodName, request: unknown): Promise<unknown>;
  subscribe(event: EventName, listener: (payload: unknown) => void): Unsubscribe;
}

type NamespaceOf<N> = N extends `${infer NS}.${string}` ? NS : never;

/** Methods whose request has no required field may be called without an argument. */
type MethodFn<M extends MethodName> = (
  ...args: Record<never, never> extends RequestOf<M> ? [request?: RequestOf<M>] : [request: RequestOf<M>]
) => Promise<Result<ResponseOf<M>>>;

type Subscribe<E extends EventName> = (listener: (payload: ContractEvents[E]) => void) => Unsubscribe;

/**
 * The API the UI calls, grouped by namespace: `identities.show` becomes `api.identities.show(req)`,
 * and the event `identities.changed` becomes `api.identities.onChanged(listener)`.
 */
export type KeyportApi = {
  [NS in NamespaceOf<MethodName | EventName>]: {
    [M in MethodName as M extends `${NS}.${infer F}` ? F : never]: MethodFn<M>;
  } & {
    [E in EventName as E extends `${NS}.${infer F}` ? `on${Capitalize<F>}` : never]: Subscribe<E>;
  };
};

/** Builds the typed API over `transport`. Every call resolves to a Result, even when the transport fails. */
export function createClient(transport: Transport): KeyportApi {
  const api: Record<string, Record<string, unknown>> = {};
  for (const method of methodNames) {
    const [ns, fn] = splitName(method);
    group(api, ns)[fn] = (request?: unknown) => invokeSafely(transport, method, request ?? {});
  }
  for (const event of eventNames) {
    const [ns, name] = splitName(event);
    group(api, ns)[`on${name.charAt(0).toUpperCase()}${name.slice(1)}`] = (listener: unknown) => {
      if (typeof listener !== 'function') throw new TypeError(`${event} needs a listener function`);
      return transport.subscribe(event, (payload) => listener(payload));
    };
  }
  return api as KeyportApi;
}

async function invokeSafely(transport: Transport, method: MethodName, request: unknown): Promise<Result<unknown>> {
  let answer: unknown;
  try {
    answer = await transport.invoke(method, request);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    return err('KEYPORT_UNAVAILABLE', `Cannot reach Keyport (${detail}); restart Keyport and try again.`);
  }
  if (!isResult(answer)) {
    return err('KEYPORT_INTERNAL', `Keyport answered ${method} with something that is not a result; restart Keyport.`);
  }
  return answer;
}

function isResult(value: unknown): value is Result<unknown> {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false;
  if (value.ok === true) return 'value' in value;
  return value.ok === false && 'error' in value && typeof value.error === 'object' && value.error !== null;
}

function splitName(name: string): [string, string] {
  const dot = name.indexOf('.');
  return [name.slice(0, dot), name.slice(dot + 1)];
}

function group(api: Record<string, Record<string, unknown>>, ns: string): Record<string, unknown> {
  const existing = api[ns];
  if (existing) return existing;
  const created: Record<string, unknown> = {};
  api[ns] = created;
  return created;
}
