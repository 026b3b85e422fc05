import { useEffect, useState } from 'react';
import type { AppVersion } from '../../shared/contract';
import { keyport } from '../api';

/** Keyport's name and version, once known. */
export function useVersion(): AppVersion | undefined {
  const [version, setVersion] = useState<AppVersion | undefined>(undefined);
  useEffect(() => {
    void keyport.app.version().then((result) => result.ok && setVersion(result.value));
  }, []);
  return version;
}
