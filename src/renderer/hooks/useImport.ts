import { useCallback, useState } from 'react';
import type { Destination } from '../../shared/views';
import { err } from '../../shared/result';
import { keyport } from '../api';
import { FileTooLargeError, readFilePayload } from '../lib/files';
import { useAction } from './useAction';
import { newProgressId, useProgress } from './useProgress';

/** What the Import form sends. */
export interface ImportForm {
  file: File;
  key?: File;
  password: string;
  to: Destination;
  label: string;
}

/** Imports a PKCS#12 or PEM file through the contract, with the stage of the slow parts. */
export function useImport() {
  const [progressId, setProgressId] = useState<string | undefined>(undefined);
  const stage = useProgress(progressId);
  const action = useAction(
    useCallback(async (form: ImportForm) => {
      const id = newProgressId();
      setProgressId(id);
      try {
        const [file, key] = await Promise.all([readFilePayload(form.file), form.key ? readFilePayload(form.key) : undefined]);
        return await keyport.identities.import({
          file,
          key,
          password: form.password === '' ? undefined : form.password,
          to: form.to,
          label: form.label.trim() || undefined,
          progressId: id,
        });
      } catch (e) {
        if (e instanceof FileTooLargeError) return err('KEYPORT_FILE_TOO_LARGE', e.message);
        return err('KEYPORT_FILE_UNREADABLE', `Cannot read the file (${e instanceof Error ? e.message : String(e)}); pick it again.`);
      }
    }, []),
  );
  return { ...action, stage };
}
