import { useEffect } from 'react';
import { keyport } from '../api';

/** The tray menu and desktop notifications (`app.showIdentity`, `app.showProxy`) open their screen. */
export function useShowRequests(navigate: (to: string) => void): void {
  useEffect(() => {
    const unsubscribe = [keyport.app.onShowIdentity(({ id }) => navigate(`identities/${encodeURIComponent(id)}`)), keyport.app.onShowProxy(() => navigate('proxy'))];
    return () => unsubscribe.forEach((stop) => stop());
  }, [navigate]);
}
