import { KeyportError } from '../../shared/errors';

/** A listener that a reload moves onto an address another listener still holds. */
export interface WaitingMove {
  /** The listener that moves. */
  name: string;
  /** The listener that holds the address now (it is removed, or moves away too). */
  holder: string;
}

/**
 * The order in which waiting moves can bind: each after the listener holding its address moved
 * away (holders that are removed, or move to a free address, have let go before any of these run).
 * Listeners that wait on each other in a circle (two swapping addresses) cannot move without a
 * moment where neither listens, so the reload is refused before anything changes.
 */
export function orderMoves<M extends WaitingMove>(moves: M[]): M[] {
  const pending = new Map(moves.map((m) => [m.name, m]));
  const order: M[] = [];
  while (pending.size > 0) {
    const ready = [...pending.values()].filter((m) => !pending.has(m.holder));
    if (ready.length === 0) throw circularMoves([...pending.keys()]);
    for (const m of ready) {
      order.push(m);
      pending.delete(m.name);
    }
  }
  return order;
}

function circularMoves(names: string[]): KeyportError {
  const who = names.map((n) => (n === 'http-proxy' ? 'the HTTP proxy' : `route ${n}`)).join(', ');
  return new KeyportError(
    'KEYPORT_INVALID_ARGUMENT',
    `Cannot reload: ${who} would take each other's listen addresses in one edit; move one of them to a free port first, reload, then make the rest of the change.`,
  );
}
