import { isIP } from 'node:net';
import * as z from 'zod';
import { KeyportError } from '../../../shared/errors';
import { readCertificates } from '../../pki/pem';
import { completeAuthorization, type ChallengeSolver } from './authorization';
import { sleep, type AcmeClient } from './client';
import { base64url, type AccountKey } from './jws';
import { problemText, type AcmeProblem } from './problem';

const OrderSchema = z.object({
  status: z.string(),
  authorizations: z.array(z.string().url()),
  finalize: z.string().url(),
  certificate: z.string().url().optional(),
  error: z.any().optional(),
});
type Order = z.infer<typeof OrderSchema>;

/** An account to order with: its key in a Keyport store and its URL. */
export interface Account {
  key: AccountKey;
  kid: string;
}

/** How long an order may stay processing after finalize. */
const POLL_LIMIT_MS = 60_000;

/**
 * One certificate order (RFC 8555 §7.4): order the names, answer each authorization, finalize with
 * `csrDer()` (called once the names are proven, so a key is only asked to sign a CSR that will be
 * used), and download the chain. Returns the chain as DER, leaf first.
 */
export async function orderCertificate(
  client: AcmeClient,
  account: Account,
  o: { domains: string[]; solver: ChallengeSolver; csrDer: () => Promise<Buffer> },
): Promise<Buffer[]> {
  const { newOrder } = await client.directory();
  const identifiers = o.domains.map((value) => ({ type: isIP(value) ? 'ip' : 'dns', value }));
  const created = await post(client, account, newOrder, { identifiers }, 'create the order');
  if (!created.location) throw new KeyportError('KEYPORT_ACME_ORDER_FAILED', 'The ACME server created the order but sent no order URL (Location); it does not follow RFC 8555.');
  const orderUrl = created.location;
  let order = parseOrder(created.json(), orderUrl);
  for (const url of order.authorizations) {
    await completeAuthorization(client, { key: account.key, kid: account.kid, url, solver: o.solver });
  }
  order = await pollOrder(client, account, orderUrl, ['pending']);
  if (order.status !== 'ready') throw orderFailed(order, 'was not ready for its CSR');
  const csr = base64url(await o.csrDer());
  order = parseOrder((await post(client, account, order.finalize, { csr }, 'finalize the order')).json(), orderUrl);
  order = await pollOrder(client, account, orderUrl, ['ready', 'processing'], order);
  if (order.status !== 'valid' || !order.certificate) throw orderFailed(order, 'was not issued');
  const pem = await client.post(order.certificate, {
    key: account.key,
    identity: { kid: account.kid },
    what: 'download the certificate',
    accept: 'application/pem-certificate-chain',
  });
  return readCertificates(pem.body, 'the certificate chain from the ACME server');
}

function post(client: AcmeClient, account: Account, url: string, payload: unknown, what: string) {
  return client.post(url, { key: account.key, identity: { kid: account.kid }, payload, what });
}

/** Polls the order while its status is one of `waiting`. */
async function pollOrder(client: AcmeClient, account: Account, url: string, waiting: string[], first?: Order): Promise<Order> {
  const deadline = Date.now() + POLL_LIMIT_MS;
  let order = first ?? parseOrder((await post(client, account, url, undefined, 'read the order')).json(), url);
  for (let wait = 100; waiting.includes(order.status); wait = Math.min(wait * 2, 2000)) {
    if (Date.now() > deadline) throw new KeyportError('KEYPORT_ACME_TIMEOUT', `The ACME order ${url} stayed ${order.status} for ${POLL_LIMIT_MS / 1000} s; try again later.`);
    await sleep(wait);
    order = parseOrder((await post(client, account, url, undefined, 'read the order')).json(), url);
  }
  return order;
}

function parseOrder(json: unknown, url: string): Order {
  const parsed = OrderSchema.safeParse(json);
  if (!parsed.success) throw new KeyportError('KEYPORT_ACME_ORDER_FAILED', `The ACME server sent an order Keyport cannot read (${url}); it does not follow RFC 8555.`);
  return parsed.data;
}

function orderFailed(order: Order, what: string): KeyportError {
  const why = order.error ? `: ${problemText(order.error as AcmeProblem)}` : '';
  return new KeyportError('KEYPORT_ACME_ORDER_FAILED', `The ACME order ${what} (status ${order.status})${why}; try again, or ask the CA's operator.`);
}
