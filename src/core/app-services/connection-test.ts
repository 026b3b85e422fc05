/**
 * The UI's connection test: the doctor's runProbe (as `keyport test` runs it) with the identity
 * resolved from the registry and the CAs as bytes the page sent.
 */
import type { ProbeReport } from '../../shared/probe-report';
import type { Keyport } from '../app';
import { parseTestUrl, runProbe } from '../probe';
import { registryIdentities, registryIdentity } from '../probe/registry-identities';
import type { ConnectionTestRequest } from '../services';
import { decodeFile } from './files';

const DEFAULT_TIMEOUT_MS = 15_000;

/** Runs one test; every failure of the test itself lands in the report, bad input throws. */
export async function testConnection(k: Keyport, request: ConnectionTestRequest): Promise<ProbeReport> {
  const target = parseTestUrl(request.url);
  const candidates = await registryIdentities(k);
  const identity = request.identity === 'auto' || request.identity === 'none' ? request.identity : await registryIdentity(k, request.identity);
  return runProbe({
    url: request.url,
    target,
    identity,
    candidates,
    ca: request.ca.map(decodeFile),
    // Uploaded files have no path; their names stand in where a fix or a command names the file.
    caFiles: request.ca.map((f) => f.name),
    ...(request.servername ? { servername: request.servername } : {}),
    ...(request.method ? { method: request.method } : {}),
    http: request.http ?? true,
    timeoutMs: request.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}
