import type { RouteStats } from '../../../shared/app-views';
import { ErrorText } from '../../components/ErrorText';
import { formatBytes } from '../../lib/format';

/** A running listener's counters, or what to do to see them. */
export function RouteCounters({ stats }: { stats?: RouteStats }) {
  return (
    <div className="route-stats" data-field="route-stats">
      {stats ? (
        <>
          <Stat label="Active" value={String(stats.active)} />
          <Stat label="Connections" value={String(stats.total)} field="connections" />
          <Stat label="Up / down" value={`${formatBytes(stats.bytesUp)} / ${formatBytes(stats.bytesDown)}`} />
          <Stat label="Handshake p50" value={stats.handshakeMsP50 === null ? '—' : `${stats.handshakeMsP50.toFixed(0)} ms`} />
        </>
      ) : (
        <p className="faint">Start the routes to see live counters.</p>
      )}
    </div>
  );
}

/**
 * Why connections (or, through the HTTP proxy, requests) failed: how many, and the last one's
 * sentence (its code on the element); nothing if none did.
 */
export function RouteFailures({ stats, what = 'connection' }: { stats?: RouteStats; what?: 'connection' | 'request' }) {
  const last = stats?.lastError;
  if (!stats || !last) return null;
  const failed = Object.values(stats.errors).reduce((sum, n) => sum + n, 0);
  return (
    <div className="route-failures" data-field="route-failures">
      <ErrorText code={last.code}>
        <span>
          {failed === 1 ? `1 ${what} failed` : `${failed} ${what}s failed`}; the last at{' '}
          <time dateTime={last.at}>{new Date(last.at).toLocaleTimeString()}</time>: {last.message}
        </span>
      </ErrorText>
    </div>
  );
}

function Stat({ label, value, field }: { label: string; value: string; field?: string }) {
  return (
    <div className="stat" data-stat={field}>
      <div className="stat-value">{value}</div>
      <div className="faint">{label}</div>
    </div>
  );
}
