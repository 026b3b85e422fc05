import { readInputFile } from '../input-file';

/** Reads the CA files a route or rule names (PEM or DER), at (re)load time. */
export async function readCaFiles(files: readonly string[] | undefined): Promise<Buffer[]> {
  return Promise.all((files ?? []).map((f) => readInputFile(f, 'CA file')));
}
