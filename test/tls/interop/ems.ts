/**
 * Whether a TLS 1.2 server negotiates the extended master secret (RFC 7627), as OpenSSL's
 * s_client sees it. Keyport refuses TLS 1.2 without it (DESIGN.md), and Go's crypto/tls only
 * has it from Go 1.21: Debian 12's Go 1.19 builds a go-echo without it.
 */
import type { TestCa } from '../../testbed/ca';
import { startSClient } from '../../testbed/tls-servers';

/** Asks the server on `port` with s_client and a throwaway client certificate from `ca`. */
export async function serverNegotiatesEms(port: number, ca: TestCa): Promise<boolean> {
  const cert = await ca.issueClient({ cn: 'ems-probe', ec: true });
  const client = startSClient({
    port,
    version: 'TLSv1.2',
    caFile: ca.rootFile,
    client: { certFile: cert.certFile, keyFile: cert.keyFile, chainFile: ca.intermediateFile },
  });
  try {
    await client.waitFor('Extended master secret: ');
    const answer = /Extended master secret: (yes|no)/.exec(client.output())?.[1];
    if (!answer) throw new Error(`s_client did not say whether the server on port ${port} uses the extended master secret`);
    return answer === 'yes';
  } finally {
    await client.close();
  }
}
