import { readInputFile } from '../input-file';
import type { ProxyConfig } from './schema';

/** Reads the CA files a route or rule names (PEM or DER), at (re)load time. */
export async function readCaFiles(files: readonly string[] | undefined): Promise<Buffer[]> {
  return Promise.all((files ?? []).map((f) => readInputFile(f, 'CA file')));
}

/** Every CA file the routes and rules of `config` name, once each. */
export function caFilesOf(config: ProxyConfig): string[] {
  return [...new Set([...config.routes.flatMap((r) => r.ca ?? []), ...(config.httpProxy?.rules ?? []).flatMap((r) => r.ca ?? [])])];
}
