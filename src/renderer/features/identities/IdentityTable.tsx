import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import type { IdentityView } from '../../../shared/identity';
import { ExpiryCountdown, KeyStoreBadge, StatusBadge } from './IdentityBadges';

/** Props of {@link IdentityTable}. */
export interface IdentityTableProps {
  identities: IdentityView[];
  onOpen: (id: string) => void;
  /** The clock the countdowns count from (ticks once a minute in the screen). */
  now: number;
}

const ROW_HEIGHT = 52;

/**
 * The identity list as a real table, virtualised with @tanstack/react-virtual: only the rows in
 * view (plus a few) are in the DOM, spacer rows keep the scroll height, so 1,000+ identities
 * render and filter without a stall. Rows open with a click or Enter.
 */
export function IdentityTable({ identities, onOpen, now }: IdentityTableProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: identities.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    initialRect: { width: 1000, height: 700 },
  });
  const items = virtualizer.getVirtualItems();
  const top = items[0]?.start ?? 0;
  const bottom = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);
  return (
    <div className="table-scroll" ref={scroller} tabIndex={-1}>
      <table className="table identity-table" aria-rowcount={identities.length + 1}>
        <thead>
          <tr>
            <th scope="col">Identity</th>
            <th scope="col">Key store</th>
            <th scope="col">Algorithm</th>
            <th scope="col">Expires</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {top > 0 && <tr className="spacer" style={{ height: top }} aria-hidden="true" />}
          {items.map((item) => {
            const identity = identities[item.index]!;
            return (
              <tr
                key={identity.id}
                data-id={identity.id}
                aria-rowindex={item.index + 2}
                tabIndex={0}
                className="clickable"
                onClick={() => onOpen(identity.id)}
                onKeyDown={(e) => e.key === 'Enter' && onOpen(identity.id)}
              >
                <td>
                  <div className="cell-title" data-field="label">{identity.label}</div>
                  <div className="cell-sub" data-field="subject">{identity.subject}</div>
                </td>
                <td>
                  <KeyStoreBadge store={identity.keyStore} />
                </td>
                <td className="mono" data-field="algorithm">{identity.keyAlgorithm}</td>
                <td>
                  <ExpiryCountdown status={identity.status} notBefore={identity.notBefore} notAfter={identity.notAfter} now={now} />
                </td>
                <td>
                  <StatusBadge status={identity.status} />
                </td>
              </tr>
            );
          })}
          {bottom > 0 && <tr className="spacer" style={{ height: bottom }} aria-hidden="true" />}
        </tbody>
      </table>
    </div>
  );
}
