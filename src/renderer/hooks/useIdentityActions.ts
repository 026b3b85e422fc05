import { useCallback } from 'react';
import { keyport } from '../api';
import { downloadExport } from '../lib/files';
import { useAction } from './useAction';

/** Removes an identity (and its key) through the contract. */
export function useRemoveIdentity(id: string) {
  return useAction(useCallback(() => keyport.identities.remove({ id }), [id]));
}

/** What an export asks for: the chain or a CSR, or a PKCS#12 under a password. */
export type ExportChoice = { format: 'chain' | 'csr' } | { format: 'pkcs12'; password: string; legacy?: boolean };

/** Exports an identity and offers the file as a download; PEM text stays in `value` to show and copy. */
export function useExportIdentity(id: string) {
  return useAction(
    useCallback(
      async (choice: ExportChoice) => {
        const result = await keyport.identities.export({ id, ...choice });
        if (result.ok) downloadExport(result.value);
        return result;
      },
      [id],
    ),
  );
}

