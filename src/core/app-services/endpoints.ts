/**
 * Saved endpoints for the Test connection screen: the doctor's EndpointStore (endpoints.json, the
 * same file `keyport endpoints` uses), and a re-run that records its result in the history.
 */
import type { ProbeReport } from '../../shared/probe-report';
import type { EndpointView } from '../../shared/views';
import type { Keyport } from '../app';
import { readInputFile } from '../input-file';
import { parseTestUrl, runProbe } from '../probe';
import type { Endpoint } from '../probe/endpoints/schema';
import { EndpointStore } from '../probe/endpoints/store';
import { registryIdentities, registryIdentity } from '../probe/registry-identities';
import type { NewEndpointRequest } from '../services';

const DEFAULT_TIMEOUT_MS = 15_000;

/** What the page sees of an endpoint (headers and TLS 1.2 overrides stay CLI-only for now). */
export function endpointView(e: Endpoint): EndpointView {
  return {
    name: e.name,
    url: e.url,
    identity: e.identity,
    ca: e.ca,
    ...(e.servername ? { servername: e.servername } : {}),
    ...(e.method ? { method: e.method } : {}),
    http: e.http,
    createdAt: e.createdAt,
    history: e.history.map((r) => ({ ok: r.ok, url: r.url, startedAt: r.startedAt, ...(r.identity ? { identity: r.identity } : {}), steps: r.steps, diagnoses: r.diagnoses })) as EndpointView['history'],
  };
}

/** Saves an endpoint from the page. CA files cannot come from the page (no paths): add them with the CLI. */
export async function addEndpoint(store: EndpointStore, request: NewEndpointRequest): Promise<EndpointView> {
  parseTestUrl(request.url);
  const saved = await store.add({
    name: request.name,
    url: request.url,
    identity: request.identity ?? 'auto',
    ca: [],
    ...(request.servername ? { servername: request.servername } : {}),
    ...(request.method ? { method: request.method } : {}),
    http: request.http ?? true,
    allowTls12WithoutEms: false,
  });
  return endpointView(saved);
}

/** Tests a saved endpoint as `keyport test NAME` does, and appends the result to its history. */
export async function testEndpoint(k: Keyport, store: EndpointStore, name: string, identityOverride?: string): Promise<ProbeReport> {
  const e = await store.get(name);
  const identity = identityOverride ?? e.identity;
  const report = await runProbe({
    url: e.url,
    target: parseTestUrl(e.url),
    identity: identity === 'auto' || identity === 'none' ? identity : await registryIdentity(k, identity),
    candidates: await registryIdentities(k),
    ca: await Promise.all(e.ca.map((f) => readInputFile(f, 'CA file'))),
    caFiles: e.ca,
    ...(e.servername ? { servername: e.servername } : {}),
    ...(e.method ? { method: e.method } : {}),
    ...(e.headers ? { headers: e.headers } : {}),
    http: e.http,
    allowTls12WithoutEms: e.allowTls12WithoutEms,
    timeoutMs: DEFAULT_TIMEOUT_MS,
  });
  await store.record(name, report);
  return report;
}
