import { describe, expect, it } from 'vitest';
import { orderMoves } from '../../src/core/proxy/move-order';

const names = (moves: Array<{ name: string }>) => moves.map((m) => m.name);

describe('the order of listeners moving onto addresses other listeners hold (reload)', () => {
  it('a listener moves only after the one holding its new address moved away', () => {
    // api -> web's address, web -> old's address (old is removed: it is not waiting itself).
    expect(names(orderMoves([{ name: 'api', holder: 'web' }, { name: 'web', holder: 'old' }]))).toEqual(['web', 'api']);
    expect(names(orderMoves([{ name: 'a', holder: 'b' }, { name: 'b', holder: 'c' }, { name: 'c', holder: 'gone' }]))).toEqual(['c', 'b', 'a']);
    expect(orderMoves([])).toEqual([]);
  });

  it('two listeners swapping addresses are refused in one sentence naming them (they were refused halfway)', () => {
    expect(() => orderMoves([{ name: 'api', holder: 'web' }, { name: 'web', holder: 'api' }])).toThrow(
      "Cannot reload: route api, route web would take each other's listen addresses in one edit; move one of them to a free port first, reload, then make the rest of the change.",
    );
    expect(() => orderMoves([{ name: 'x', holder: 'http-proxy' }, { name: 'http-proxy', holder: 'y' }, { name: 'y', holder: 'x' }, { name: 'z', holder: 'gone' }])).toThrow(/route x, the HTTP proxy, route y would take/);
  });
});
