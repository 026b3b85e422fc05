import { useEffect, useState } from 'react';
import { keyport } from '../api';

/** The latest stage (`decrypting`, `storing`, `generating`...) of the slow request tagged `progressId`. */
export function useProgress(progressId: string | undefined): string | undefined {
  const [stage, setStage] = useState<string | undefined>(undefined);
  useEffect(() => {
    setStage(undefined);
    if (!progressId) return;
    return keyport.progress.onUpdate((update) => {
      if (update.progressId === progressId) setStage(update.done ? undefined : update.stage);
    });
  }, [progressId]);
  return stage;
}

/** A fresh id for a slow request, for matching its `progress.update` events. */
export function newProgressId(): string {
  return `p-${crypto.randomUUID()}`;
}
