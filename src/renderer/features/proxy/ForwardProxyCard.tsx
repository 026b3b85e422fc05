import { Fragment } from 'react';
import type { ForwardProxyView, RouteStats } from '../../../shared/app-views';
import { Card } from '../../components/Card';
import { CopyButton } from '../../components/CopyButton';
import { useIdentityLabel } from '../../hooks/useIdentities';
import { RouteCounters, RouteFailures } from './RouteCounters';

/**
 * The HTTP forward proxy saved in proxy.yaml, read-only (its rules are edited in the file): which
 * hosts go upstream with which identity, its counters and failures, and how to point a tool at it.
 */
export function ForwardProxyCard({ proxy, stats }: { proxy: ForwardProxyView; stats?: RouteStats }) {
  const labelOf = useIdentityLabel();
  const example = proxy.rules[0]?.host.replace(/^\*\./, 'api.') ?? 'host';
  const snippet = `HTTP_PROXY=http://${proxy.listen} curl http://${example}/`;
  return (
    <Card
      className="route-card"
      title={
        <span className="row" data-forward-proxy={proxy.listen}>
          HTTP proxy
          <span className="mono faint">{proxy.listen} → https per rule</span>
        </span>
      }
    >
      <div className="route-body">
        <dl className="kv kv-compact">
          {proxy.rules.map((rule) => (
            <Fragment key={rule.host}>
              <dt className="mono">{rule.port ? `${rule.host}:${rule.port}` : rule.host}</dt>
              <dd>
                {labelOf(rule.identity) ?? rule.identity}
                <span className="faint"> · {rule.ca.length ? `${rule.ca.length} CA file${rule.ca.length > 1 ? 's' : ''}` : 'the system’s roots'}</span>
              </dd>
            </Fragment>
          ))}
        </dl>
        <RouteCounters stats={stats} />
      </div>
      <RouteFailures stats={stats} what="request" />
      <p className="faint forward-note">Other hosts get 403 and CONNECT gets 405: the proxy never goes where no rule says. Rules are edited in proxy.yaml in the data folder.</p>
      <div className="row reproduce-head">
        <code className="mono">{snippet}</code>
        <CopyButton text={snippet} label="Copy command" />
      </div>
    </Card>
  );
}
