/**
 * The one contract between Keyport's UI and its core, served by Electron IPC (src/main/ipc.ts)
 * and by `keyport serve` over loopback HTTP. Each method has a zod request schema (checked on the
 * serving side, always) and a response type; every answer is a `Result` of that type.
 *
 * Transports:
 * - Electron: `ipcRenderer.invoke(method, request)`; events arrive on the channel named after the event.
 * - HTTP: `POST /api/<method>` with the request as JSON, answered with the Result as JSON;
 *   `GET /api/events` is a Server-Sent Events stream where each message's `event:` is the event
 *   name and `data:` its JSON payload.
 */
import { z } from 'zod';
import type { IdentityView, TokenModuleView } from './identity';

/** Every method of the contract, at run time (the preload builds one function per name). */
export const methodNames = [
  'app.version',
  'identities.list',
  'identities.show',
  'identities.remove',
  'tokens.list',
] as const;

/** Every method name of the contract. */
export type MethodName = (typeof methodNames)[number];

/** What `app.version` answers. */
export interface AppVersion {
  name: 'Keyport';
  version: string;
}

/** An identity with its stored chain, as `identities.show` answers. */
export type IdentityDetail = IdentityView & { chainPem: string };

/** Response types, by method name; extending the record makes a missing method a compile error. */
export interface ContractResponses extends Record<MethodName, unknown> {
  'app.version': AppVersion;
  'identities.list': IdentityView[];
  'identities.show': IdentityDetail;
  /** `null` rather than `undefined` so the answer survives JSON. */
  'identities.remove': null;
  'tokens.list': TokenModuleView[];
}

/**
 * Request schemas, by method name; `satisfies` makes a missing or unknown method a compile error.
 * Built on first use rather than at import, so the preload and the renderer, which only need
 * the names and types, do not bundle zod.
 */
function buildRequestSchemas() {
  /** Bounded so a request cannot smuggle megabytes into the registry lookup. */
  const identityId = z.string().min(1, 'the identity id is empty').max(128, 'the identity id is too long');
  /** Methods without parameters still take an object, so an optional field can be added later. */
  const noParams = z.object({}).strict();
  return {
    'app.version': noParams,
    'identities.list': noParams,
    'identities.show': z.object({ id: identityId }).strict(),
    'identities.remove': z.object({ id: identityId }).strict(),
    'tokens.list': noParams,
  } as const satisfies Record<MethodName, z.ZodType>;
}

type RequestSchemas = ReturnType<typeof buildRequestSchemas>;
let schemas: RequestSchemas | undefined;

/** The zod schema that validates requests to `method`. */
export function requestSchema<M extends MethodName>(method: M): RequestSchemas[M] {
  schemas ??= buildRequestSchemas();
  return schemas[method];
}

/** The request a caller passes (zod input type). */
export type RequestOf<M extends MethodName> = z.input<RequestSchemas[M]>;

/** The request a server receives after validation (zod output type). */
export type ValidRequestOf<M extends MethodName> = z.output<RequestSchemas[M]>;

/** The value inside an `ok` Result of method `M`. */
export type ResponseOf<M extends MethodName> = ContractResponses[M];

/** Event names and payloads pushed from the core to subscribers. */
export interface ContractEvents {
  /** The identity list changed; reload it. `id` names the identity when one is known. */
  'identities.changed': { change: 'added' | 'removed' | 'updated'; id?: string };
}

/** Every event name, at run time (the preload builds one subscription helper per name). */
export const eventNames = ['identities.changed'] as const satisfies readonly (keyof ContractEvents)[];

/** Every event name of the contract. */
export type EventName = (typeof eventNames)[number];

/** True when `name` is one of the contract's methods (never `__proto__`, `toString` and kin). */
export function isMethodName(name: string): name is MethodName {
  return (methodNames as readonly string[]).includes(name);
}
