import { useCallback } from 'react';
import { err } from '../../shared/result';
import { keyport } from '../api';
import { readFilePayload } from '../lib/files';
import { useAction } from './useAction';

/** What the Test connection form sends. */
export interface ConnectionTestForm {
  url: string;
  /** An identity id, or `auto`. */
  identity: string;
  ca: File[];
  servername: string;
}

/** Runs one connection test (handshake, then HTTP) and keeps its report, failed or not. */
export function useConnectionTest() {
  return useAction(
    useCallback(async (form: ConnectionTestForm) => {
      let ca;
      try {
        ca = await Promise.all(form.ca.map(readFilePayload));
      } catch (e) {
        return err('KEYPORT_FILE_UNREADABLE', e instanceof Error ? e.message : String(e));
      }
      return keyport.connection.test({
        url: form.url.trim(),
        identity: form.identity,
        ca: ca.length ? ca : undefined,
        servername: form.servername.trim() || undefined,
      });
    }, []),
  );
}
