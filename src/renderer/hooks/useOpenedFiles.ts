import { useEffect, useRef } from 'react';
import type { FilePayload } from '../../shared/views';
import { keyport } from '../api';

function toFile(payload: FilePayload): File {
  const bytes = Uint8Array.from(atob(payload.dataBase64), (c) => c.charCodeAt(0));
  return new File([bytes], payload.name);
}

/**
 * Files the OS opened with Keyport (.p12/.pfx association, a drop on the Electron window) are
 * handed to `open`: once at start and whenever `app.filesOpened` fires.
 */
export function useOpenedFiles(open: (file: File) => void): void {
  const openRef = useRef(open);
  openRef.current = open;
  useEffect(() => {
    const take = () =>
      void keyport.app.takeOpenedFiles().then((result) => {
        const first = result.ok ? result.value[0] : undefined;
        if (first) openRef.current(toFile(first));
      });
    take();
    return keyport.app.onFilesOpened(take);
  }, []);
}
