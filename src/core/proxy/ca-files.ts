import { readInputFile } from '../input-file';
import { parseCertificate } from '../pki/certificate';
import { readCertificates } from '../pki/pem';
import type { ProxyConfig } from './schema';

/**
 * Reads the CA files a route or rule names (PEM or DER), at (re)load time, and checks that each
 * holds certificates: a key or an HTML page there would refuse every connection later, unsaid.
 */
export async function readCaFiles(files: readonly string[] | undefined): Promise<Buffer[]> {
  return Promise.all(
    (files ?? []).map(async (f) => {
      const data = await readInputFile(f, 'CA file');
      readCertificates(data, `CA file ${f}`).forEach((der, i) => parseCertificate(der, `certificate #${i + 1} of CA file ${f}`));
      return data;
    }),
  );
}

/** Every CA file the routes and rules of `config` name, once each. */
export function caFilesOf(config: ProxyConfig): string[] {
  return [...new Set([...config.routes.flatMap((r) => r.ca ?? []), ...(config.httpProxy?.rules ?? []).flatMap((r) => r.ca ?? [])])];
}
