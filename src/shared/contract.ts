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
 *
 * Files travel as bytes (base64), read by the renderer from a picker, a drop or the OS "open with";
 * the serving side never opens a path the page names. Secrets (PKCS#12 passwords, PINs) are in the
 * request body only, used in memory and never logged or stored.
 *
 * Proxy routes (`routes.*`, events `routes.changed` and `proxy.stats`), renewal (`renewal.*`, events
 * `renewal.changed` and `renewal.notice`) and the audit log (`audit.list`) are thin over src/core/proxy,
 * src/core/enroll and src/core/audit; their views are in ./app-views.ts.
 */
import * as z from 'zod';
import { durationSeconds } from './duration';
import type {
  AuditEntryView,
  ProxyOverview,
  ProxyStatsEvent,
  RenewalInfo,
  RenewalNotice,
  RenewalOutcome,
  RootsRefreshView,
} from './app-views';
import type { IdentityView, TokenModuleView } from './identity';
import type {
  ConnectionReport,
  EndpointView,
  ExportedFile,
  FilePayload,
  PendingKeyView,
  PinClosed,
  PinRequest,
  ProgressUpdate,
  Settings,
} from './views';

/** Every method of the contract, at run time (the preload builds one function per name). */
export const methodNames = [
  'app.version',
  'app.takeOpenedFiles',
  'identities.list',
  'identities.show',
  'identities.remove',
  'identities.import',
  'identities.export',
  'keys.generate',
  'keys.pending',
  'keys.attach',
  'tokens.list',
  'tokens.login',
  'tokens.logout',
  'connection.test',
  'endpoints.list',
  'endpoints.add',
  'endpoints.remove',
  'endpoints.test',
  'settings.get',
  'settings.set',
  'pin.answer',
  'pin.cancel',
  'routes.list',
  'routes.add',
  'routes.update',
  'routes.remove',
  'routes.start',
  'routes.stop',
  'routes.diagnose',
  'renewal.show',
  'renewal.set',
  'renewal.renewNow',
  'renewal.refreshRoots',
  'audit.list',
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

/** The largest file the UI may send (a PKCS#12, PEM bundle, key, certificate or CA file). */
export const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;

/** The largest HTTP body `keyport serve` reads for `method`: small, except where files travel. */
export function maxRequestBytes(method: MethodName): number {
  const withFiles: readonly MethodName[] = ['identities.import', 'keys.attach', 'connection.test', 'routes.add', 'routes.update', 'renewal.set'];
  return withFiles.includes(method) ? 8 * 1024 * 1024 : 64 * 1024;
}

/** Response types, by method name; extending the record makes a missing method a compile error. */
export interface ContractResponses extends Record<MethodName, unknown> {
  'app.version': AppVersion;
  /** Files the OS asked Keyport to open (.p12/.pfx association); each is handed out once. */
  'app.takeOpenedFiles': FilePayload[];
  'identities.list': IdentityView[];
  'identities.show': IdentityDetail;
  /** `null` rather than `undefined` so the answer survives JSON. */
  'identities.remove': null;
  'identities.import': { id: string };
  'identities.export': ExportedFile;
  'keys.generate': { keyId: string; csr: string };
  'keys.pending': PendingKeyView[];
  'keys.attach': { id: string };
  'tokens.list': TokenModuleView[];
  'tokens.login': null;
  'tokens.logout': null;
  'connection.test': ConnectionReport;
  'endpoints.list': EndpointView[];
  'endpoints.add': EndpointView;
  'endpoints.remove': null;
  /** Also appended to the endpoint's history (`endpoints.changed` follows). */
  'endpoints.test': ConnectionReport;
  'settings.get': Settings;
  'settings.set': Settings;
  'pin.answer': null;
  'pin.cancel': null;
  /** The saved routes (shared with `keyport routes`), with live counters while this app runs them. */
  'routes.list': ProxyOverview;
  'routes.add': ProxyOverview;
  'routes.update': ProxyOverview;
  'routes.remove': ProxyOverview;
  /** Runs every saved route in this app (as `keyport daemon` does); the first failure is the error. */
  'routes.start': ProxyOverview;
  'routes.stop': ProxyOverview;
  /** The doctor's report on a saved route's upstream, reached as the route reaches it. */
  'routes.diagnose': ConnectionReport;
  'renewal.show': RenewalInfo;
  'renewal.set': RenewalInfo;
  'renewal.renewNow': RenewalOutcome;
  'renewal.refreshRoots': RootsRefreshView[];
  /** Newest first. */
  'audit.list': AuditEntryView[];
}

/**
 * Request schemas, by method name; `satisfies` makes a missing or unknown method a compile error.
 * Built on first use rather than at import, so the preload and the renderer, which only need
 * the names and types, do not bundle zod. Every object is strict: an unknown field is refused.
 */
function buildRequestSchemas() {
  /** Bounded so a request cannot smuggle megabytes into the registry lookup. */
  const identityId = z.string().min(1, 'the identity id is empty').max(128, 'the identity id is too long');
  const keyId = z.string().min(1, 'the key id is empty').max(128, 'the key id is too long');
  /** Methods without parameters still take an object, so an optional field can be added later. */
  const noParams = z.object({}).strict();
  const text = (what: string, max: number) => z.string().max(max, `${what} is longer than ${max} characters`);
  const file = z
    .object({
      name: text('the file name', 255).min(1, 'the file name is empty'),
      dataBase64: z
        .string()
        .min(1, 'the file is empty')
        .max(Math.ceil(MAX_UPLOAD_BYTES / 3) * 4, `the file is larger than ${MAX_UPLOAD_BYTES / 1048576} MB`)
        .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'the file bytes are not base64'),
    })
    .strict();
  /** PKCS#11 labels are at most 32 bytes; module paths are absolute file paths. */
  const tokenLabel = text('the token label', 64).min(1, 'the token label is empty');
  const tokenAddress = z.object({ module: text('the module path', 4096).min(1, 'the module path is empty'), token: tokenLabel }).strict();
  const destination = z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('keychain') }).strict(),
    z.object({ kind: z.literal('pkcs11'), token: tokenLabel }).strict(),
  ]);
  const label = text('the label', 200).min(1, 'the label is empty');
  /** A client-made id that `progress.update` events carry back. */
  const progressId = z.string().regex(/^[\w-]{1,64}$/, 'the progress id must be 1-64 letters, digits, - or _');
  const secret = (what: string, max: number) => z.string().max(max, `the ${what} is longer than ${max} characters`);
  const requestId = z.string().regex(/^[\w-]{1,64}$/, 'the request id is malformed');
  const httpMethod = z.string().regex(/^[A-Za-z]{1,20}$/, 'the HTTP method must be a word such as GET or HEAD');
  /** As `keyport endpoints add NAME` takes it (src/core/probe/endpoints/schema.ts). */
  const endpointName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'an endpoint name is 1 to 64 letters, digits, dots, dashes or underscores');
  /** As `keyport routes` names a route; also the CA file's name in the data dir. */
  const routeName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a route name is 1 to 64 letters, digits, dots, dashes or underscores');
  const hostPort = text('the address', 260).regex(/^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):\d{1,5}$/, 'an address is HOST:PORT, e.g. 127.0.0.1:8443 or db.internal:5432');
  const route = z
    .object({
      name: routeName,
      listen: hostPort,
      upstream: hostPort,
      identity: identityId,
      ca: z.array(file).max(16, 'more than 16 CA files').optional(),
      servername: text('the server name', 253).min(1, 'the server name is empty').optional(),
      alpn: z.array(text('an ALPN protocol', 255).min(1, 'an ALPN protocol is empty')).max(16, 'more than 16 ALPN protocols').optional(),
      maxConnections: z.number().int().min(1).max(100_000).optional(),
      idleTimeout: z.number().int().min(0).max(7 * 24 * 3600).optional(),
    })
    .strict();
  const httpsUrl = text('the URL', 2048).regex(/^https:\/\/[^\s]+$/, 'the CA URL must start with https://');
  return {
    'app.version': noParams,
    'app.takeOpenedFiles': noParams,
    'identities.list': noParams,
    'identities.show': z.object({ id: identityId }).strict(),
    'identities.remove': z.object({ id: identityId }).strict(),
    'identities.import': z
      .object({
        file,
        /** A separate private key PEM, when `file` holds only certificates. */
        key: file.optional(),
        /** Absent: try without one (the answer then says a password is needed). */
        password: secret('password', 1024).optional(),
        to: destination,
        label: label.optional(),
        progressId: progressId.optional(),
      })
      .strict(),
    'identities.export': z.discriminatedUnion('format', [
      z.object({ id: identityId, format: z.literal('chain') }).strict(),
      z.object({ id: identityId, format: z.literal('csr') }).strict(),
      z
        .object({
          id: identityId,
          format: z.literal('pkcs12'),
          password: secret('password', 1024).min(1, 'a PKCS#12 export needs a password'),
          legacy: z.boolean().optional(),
        })
        .strict(),
    ]),
    'keys.generate': z
      .object({
        to: destination,
        algorithm: z.enum(['EC-P256', 'EC-P384', 'RSA-2048', 'RSA-3072']),
        subject: text('the subject', 1024).min(1, 'the subject is empty'),
        sans: z.array(text('a SAN', 512).min(1, 'a SAN is empty')).max(100, 'more than 100 SANs'),
        label: label.optional(),
        progressId: progressId.optional(),
      })
      .strict(),
    'keys.pending': noParams,
    'keys.attach': z.object({ keyId, certificate: file, label: label.optional() }).strict(),
    'tokens.list': noParams,
    'tokens.login': tokenAddress.extend({ pin: secret('PIN', 256).min(1, 'the PIN is empty') }).strict(),
    'tokens.logout': tokenAddress,
    'connection.test': z
      .object({
        url: text('the URL', 2048).min(1, 'the URL is empty'),
        /** An identity id or label, `auto` to choose from the server's CertificateRequest, or `none`. */
        identity: identityId,
        ca: z.array(file).max(16, 'more than 16 CA files').optional(),
        servername: text('the server name', 253).min(1, 'the server name is empty').optional(),
        method: httpMethod.optional(),
        /** false: stop after the handshake (services that are not HTTP). */
        http: z.boolean().optional(),
        timeoutMs: z.number().int().min(100).max(120_000).optional(),
      })
      .strict(),
    'endpoints.list': noParams,
    'endpoints.add': z
      .object({
        name: endpointName,
        url: text('the URL', 2048).min(1, 'the URL is empty'),
        identity: identityId.optional(),
        servername: text('the server name', 253).min(1, 'the server name is empty').optional(),
        method: httpMethod.optional(),
        http: z.boolean().optional(),
      })
      .strict(),
    'endpoints.remove': z.object({ name: endpointName }).strict(),
    'endpoints.test': z.object({ name: endpointName, identity: identityId.optional() }).strict(),
    'settings.get': noParams,
    'settings.set': z
      .object({
        theme: z.enum(['system', 'light', 'dark']).optional(),
        pinIdleTimeoutMinutes: z.number().int().min(0).max(1440).optional(),
        notifications: z.boolean().optional(),
      })
      .strict(),
    'pin.answer': z.object({ requestId, pin: secret('PIN', 256).min(1, 'the PIN is empty') }).strict(),
    'pin.cancel': z.object({ requestId }).strict(),
    'routes.list': noParams,
    'routes.add': z.object({ route }).strict(),
    'routes.update': z.object({ name: routeName, route }).strict(),
    'routes.remove': z.object({ name: routeName }).strict(),
    'routes.start': noParams,
    'routes.stop': noParams,
    /** http: also `GET /` after the handshake (a route does not know its protocol). */
    'routes.diagnose': z.object({ name: routeName, http: z.boolean().optional() }).strict(),
    'renewal.show': z.object({ id: identityId }).strict(),
    'renewal.set': z
      .object({
        id: identityId,
        provider: z.discriminatedUnion('kind', [
          z.object({ kind: z.literal('step-ca'), caUrl: httpsUrl, root: file }).strict(),
          z.object({ kind: z.literal('manual') }).strict(),
        ]),
        at: z.number().gt(0, 'at is a share of the lifetime above 0').lt(1, 'at is a share of the lifetime below 1').optional(),
        rekey: z.boolean().optional(),
        notifyBefore: z.array(z.number().int().positive().max(366 * 86_400)).max(10, 'more than 10 reminders').optional(),
      })
      .strict(),
    'renewal.renewNow': z.object({ id: identityId, rekey: z.boolean().optional() }).strict(),
    'renewal.refreshRoots': noParams,
    'audit.list': z
      .object({
        since: text('since', 64)
          .refine((v) => durationSeconds(v) !== undefined || !Number.isNaN(Date.parse(v)), 'since is neither a time (2026-01-31T12:00:00Z) nor a duration (30m, 2h, 7d)')
          .optional(),
        route: routeName.optional(),
        limit: z.number().int().min(1).max(10_000).optional(),
      })
      .strict(),
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
  /**
   * The identity list changed, in this process or another one (the CLI); reload it. `id` names the
   * identity when one is known.
   */
  'identities.changed': { change: 'added' | 'removed' | 'updated'; id?: string };
  /** Modules, slots, tokens or login states changed (a card inserted or removed, a login); reload tokens. */
  'tokens.changed': Record<string, never>;
  /** A token needs its PIN for an operation under way; show the PIN dialog. */
  'pin.required': PinRequest;
  /** A PIN request is over; close its dialog. */
  'pin.closed': PinClosed;
  /** A slow request (import, keygen) moved on. */
  'progress.update': ProgressUpdate;
  /** Saved endpoints or their history changed (here or by the CLI); reload them. */
  'endpoints.changed': Record<string, never>;
  /** Settings changed (in another window or tab too). */
  'settings.changed': Settings;
  /** The OS opened a file with Keyport; call `app.takeOpenedFiles` and show the Import screen. */
  'app.filesOpened': Record<string, never>;
  /** The user picked an identity outside the page (tray menu, notification); show its details. */
  'app.showIdentity': { id: string };
  /** The user picked the proxy outside the page (a notification about a failing route); show the Proxy screen. */
  'app.showProxy': Record<string, never>;
  /** Saved routes changed (here or by `keyport routes`), or the proxy started, stopped or reloaded; reload them. */
  'routes.changed': Record<string, never>;
  /** The running routes' counters, about once a second while they change. */
  'proxy.stats': ProxyStatsEvent;
  /** An identity's renewal settings, state or certificate changed; reload `renewal.show`. */
  'renewal.changed': { id?: string };
  /** What the scheduler has to say (renewed, failed, needs re-enroll, expiring...). */
  'renewal.notice': RenewalNotice;
  /** New audit entries were written (by this app's routes or another Keyport process); reload `audit.list`. */
  'audit.changed': Record<string, never>;
}

/** Every event name, at run time (the preload builds one subscription helper per name). */
export const eventNames = [
  'identities.changed',
  'tokens.changed',
  'pin.required',
  'pin.closed',
  'progress.update',
  'endpoints.changed',
  'settings.changed',
  'app.filesOpened',
  'app.showIdentity',
  'app.showProxy',
  'routes.changed',
  'proxy.stats',
  'renewal.changed',
  'renewal.notice',
  'audit.changed',
] as const satisfies readonly (keyof ContractEvents)[];

/** Every event name of the contract. */
export type EventName = (typeof eventNames)[number];

/** True when `name` is one of the contract's methods (never `__proto__`, `toString` and kin). */
export function isMethodName(name: string): name is MethodName {
  return (methodNames as readonly string[]).includes(name);
}
