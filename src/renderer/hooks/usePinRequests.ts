import { useCallback, useEffect, useState } from 'react';
import type { PinRequest } from '../../shared/views';
import { keyport } from '../api';
import { useAction } from './useAction';

/**
 * The PIN requests under way, oldest first: added by `pin.required`, dropped by `pin.closed`
 * (answered, cancelled or timed out, in this window or another).
 */
export function usePinRequests() {
  const [requests, setRequests] = useState<PinRequest[]>([]);
  useEffect(() => {
    const offRequired = keyport.pin.onRequired((request) =>
      setRequests((list) => (list.some((r) => r.requestId === request.requestId) ? list : [...list, request])),
    );
    const offClosed = keyport.pin.onClosed(({ requestId }) => setRequests((list) => list.filter((r) => r.requestId !== requestId)));
    return () => {
      offRequired();
      offClosed();
    };
  }, []);
  const drop = useCallback((requestId: string) => setRequests((list) => list.filter((r) => r.requestId !== requestId)), []);
  return { current: requests[0], drop };
}

/** Answers (or cancels) one PIN request. */
export function usePinAnswer(requestId: string | undefined) {
  const answer = useAction(useCallback((pin: string) => keyport.pin.answer({ requestId: requestId ?? '', pin }), [requestId]));
  const cancel = useAction(useCallback(() => keyport.pin.cancel({ requestId: requestId ?? '' }), [requestId]));
  return { answer, cancel };
}
