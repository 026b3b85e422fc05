import { useCallback, useMemo, useState } from 'react';
import type { PendingKeyView } from '../../shared/views';
import type { Destination } from '../../shared/views';
import { err } from '../../shared/result';
import { keyport } from '../api';
import { readFilePayload } from '../lib/files';
import { useAction } from './useAction';
import { newProgressId, useProgress } from './useProgress';
import { useResult, type Loaded } from './useResult';

/** Key algorithms `keys.generate` accepts. */
export const ALGORITHMS = ['EC-P256', 'EC-P384', 'RSA-2048', 'RSA-3072'] as const;

/** One of {@link ALGORITHMS}. */
export type Algorithm = (typeof ALGORITHMS)[number];

/** What the New key form sends. */
export interface KeygenForm {
  to: Destination;
  algorithm: Algorithm;
  subject: string;
  sans: string;
  label: string;
}

/** SANs typed one per line or separated by commas, trimmed, empties dropped. */
export function splitSans(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Generates a key where it will live and its CSR; reports the stage while a token or RSA works. */
export function useKeygen() {
  const [progressId, setProgressId] = useState<string | undefined>(undefined);
  const stage = useProgress(progressId);
  const action = useAction(
    useCallback((form: KeygenForm) => {
      const id = newProgressId();
      setProgressId(id);
      return keyport.keys.generate({
        to: form.to,
        algorithm: form.algorithm,
        subject: form.subject.trim(),
        sans: splitSans(form.sans),
        label: form.label.trim() || undefined,
        progressId: id,
      });
    }, []),
  );
  return { ...action, stage };
}

/** Keys waiting for their certificate, reloaded when identities change (an attach removes one). */
export function usePendingKeys(): Loaded<PendingKeyView[]> {
  const subscriptions = useMemo(() => [keyport.identities.onChanged], []);
  return useResult(() => keyport.keys.pending(), subscriptions);
}

/** Attaches an issued certificate (chain) file to a pending key, making it an identity. */
export function useAttach() {
  return useAction(
    useCallback(async (keyId: string, certificate: File, label?: string) => {
      try {
        return await keyport.keys.attach({ keyId, certificate: await readFilePayload(certificate), label: label?.trim() || undefined });
      } catch (e) {
        return err('KEYPORT_FILE_UNREADABLE', e instanceof Error ? e.message : String(e));
      }
    }, []),
  );
}
