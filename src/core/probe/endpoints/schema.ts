import * as z from 'zod';
import { DiagnosisSeverities } from '../../../shared/diagnoses';
import { ProbeStepNames } from '../../../shared/probe-report';

/** Version of endpoints.json; a newer file is refused, never rewritten. */
export const ENDPOINTS_SCHEMA_VERSION = 1;

/** Results kept per endpoint, newest last. */
export const HISTORY_LIMIT = 20;

/** A saved endpoint's name: what `keyport test NAME` takes (never a URL). */
export const EndpointNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'an endpoint name is 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit');

// Any code string: a history written by a newer Keyport (with codes added since) stays readable.
const DiagnosisSchema = z.object({
  code: z.string().min(1),
  severity: z.enum(DiagnosisSeverities),
  title: z.string(),
  detail: z.string(),
  fix: z.string(),
});

/** One stored result: the report without its handshake trace (kept small; re-run for the trace). */
export const StoredResultSchema = z
  .object({
    ok: z.boolean(),
    url: z.string(),
    startedAt: z.string(),
    identity: z.string().optional(),
    steps: z.array(z.object({ step: z.enum(ProbeStepNames), ok: z.boolean(), ms: z.number() }).passthrough()),
    diagnoses: z.array(DiagnosisSchema),
  })
  .passthrough();

export const EndpointSchema = z.object({
  name: EndpointNameSchema,
  url: z.string().url(),
  /** An identity id or label, `auto`, or `none`. */
  identity: z.string().min(1),
  /** CA files for the server, read at each test. */
  ca: z.array(z.string()),
  servername: z.string().optional(),
  method: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  http: z.boolean(),
  allowTls12WithoutEms: z.boolean(),
  createdAt: z.string(),
  history: z.array(StoredResultSchema).max(HISTORY_LIMIT),
});

export const EndpointsFileSchema = z.object({
  schemaVersion: z.literal(ENDPOINTS_SCHEMA_VERSION),
  endpoints: z.array(EndpointSchema),
});

export type Endpoint = z.infer<typeof EndpointSchema>;
export type EndpointsFile = z.infer<typeof EndpointsFileSchema>;
export type StoredResult = z.infer<typeof StoredResultSchema>;
