import { Pencil, Play, Square, Stethoscope, Trash2 } from 'lucide-react';
import { useState } from 'react';
import type { RouteStats, RouteView } from '../../../shared/app-views';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { CopyButton } from '../../components/CopyButton';
import { EmptyState } from '../../components/EmptyState';
import { ErrorText } from '../../components/ErrorText';
import { PageHeader } from '../../components/PageHeader';
import { Loading } from '../../components/Spinner';
import { useIdentityLabel } from '../../hooks/useIdentities';
import { useDiagnoseRoute, useProxySwitch, useRemoveRoute, useRoutes } from '../../hooks/useProxy';
import { ReportView } from '../probe/ReportView';
import { AddRouteForm } from './AddRouteForm';
import { EditRouteDialog } from './EditRouteDialog';
import { ForwardProxyCard } from './ForwardProxyCard';
import { RouteCounters, RouteFailures } from './RouteCounters';

/** Local routes: plain TCP on loopback in, mTLS with a Keyport identity out; live counters. */
export function ProxyScreen() {
  const { result, live } = useRoutes();
  const { start, stop } = useProxySwitch();
  const overview = result?.ok ? result.value : undefined;
  const running = live?.running ?? overview?.running ?? false;
  const statsOf = (route: RouteView) => live?.routes.find((s) => s.route === route.name) ?? route.stats;
  const actionError = start.error ?? stop.error;
  const actions = overview && (overview.routes.length > 0 || overview.forwardProxy) && (
    running ? (
      <Button busy={stop.busy} onClick={() => void stop.run()}>
        <Square size={14} aria-hidden="true" /> Stop routes
      </Button>
    ) : (
      <Button variant="primary" busy={start.busy} onClick={() => void start.run()}>
        <Play size={14} aria-hidden="true" /> Start routes
      </Button>
    )
  );
  return (
    <div className="screen">
      <PageHeader
        title="Proxy"
        subtitle="Local tools connect to 127.0.0.1 in plain TCP or HTTP; Keyport carries the connection to the mTLS server with your identity. The key never leaves its store."
        actions={actions || undefined}
      />
      {!result && <Loading label="Loading routes…" />}
      {result && !result.ok && <ErrorText code={result.error.code}>{result.error.message}</ErrorText>}
      {actionError && <ErrorText code={actionError.code}>{actionError.message}</ErrorText>}
      {overview?.error && <ErrorText code={overview.error.code}>{overview.error.message}</ErrorText>}
      {overview && (
        <div className="stack">
          <div className="row">
            <span data-field="proxy-state" data-running={running}>
              <Badge tone={running ? 'success' : 'neutral'}>{running ? 'Routes running' : 'Stopped'}</Badge>
            </span>
          </div>
          {overview.routes.length === 0 ? (
            <EmptyState title="No routes yet">
              Add a route below: pick a local port, the mTLS server and the identity to use; then start the routes and point curl or your
              database client at the local port.
            </EmptyState>
          ) : (
            overview.routes.map((route) => <RouteCard key={route.name} route={route} stats={running ? statsOf(route) : undefined} />)
          )}
          {overview.forwardProxy && <ForwardProxyCard proxy={overview.forwardProxy} stats={running ? (live?.httpProxy ?? overview.httpProxy) : undefined} />}
          <AddRouteForm />
        </div>
      )}
    </div>
  );
}

function RouteCard({ route, stats }: { route: RouteView; stats?: RouteStats }) {
  const remove = useRemoveRoute();
  const diagnosis = useDiagnoseRoute();
  const [withHttp, setWithHttp] = useState(false);
  const diagnose = (http: boolean) => {
    setWithHttp(http);
    void diagnosis.run(route.name, http);
  };
  const [editing, setEditing] = useState(false);
  const labelOf = useIdentityLabel();
  const identityLabel = labelOf(route.identity) ?? route.identity;
  const snippet = `curl http://${route.listen}/`;
  return (
    <Card
      className="route-card"
      title={
        <span className="row" data-route={route.name}>
          {route.name}
          <span className="mono faint">
            {route.listen} → {route.upstream}
          </span>
        </span>
      }
      actions={
        <>
          <Button size="sm" variant="ghost" busy={diagnosis.busy} onClick={() => diagnose(false)} aria-label={`Diagnose route ${route.name}`}>
            <Stethoscope size={14} aria-hidden="true" /> Diagnose
          </Button>
          <Button size="sm" variant="ghost" onClick={() => setEditing(true)} aria-label={`Edit route ${route.name}`}>
            <Pencil size={14} aria-hidden="true" />
          </Button>
          <Button size="sm" variant="ghost" busy={remove.busy} onClick={() => void remove.run(route.name)} aria-label={`Remove route ${route.name}`}>
            <Trash2 size={14} aria-hidden="true" />
          </Button>
        </>
      }
    >
      {editing && <EditRouteDialog route={route} open={editing} onOpenChange={setEditing} />}
      {remove.error && <ErrorText code={remove.error.code}>{remove.error.message}</ErrorText>}
      <div className="route-body">
        <dl className="kv kv-compact">
          <dt>Identity</dt>
          <dd>{identityLabel}</dd>
          <dt>Server name</dt>
          <dd>{route.servername ?? 'from the upstream host'}</dd>
          <dt>Trusted CAs</dt>
          <dd>{route.ca.length ? `${route.ca.length} file${route.ca.length > 1 ? 's' : ''}` : 'the system’s roots'}</dd>
        </dl>
        <RouteCounters stats={stats} />
      </div>
      <RouteFailures stats={stats} />
      {diagnosis.error && <ErrorText code={diagnosis.error.code}>{diagnosis.error.message}</ErrorText>}
      {diagnosis.value && (
        <div className="route-diagnosis" data-field="route-diagnosis">
          <div className="row route-diagnosis-head">
            <span className="faint">
              The doctor on {route.upstream}, as this route connects ({withHttp ? 'handshake, then GET /' : 'handshake only'})
            </span>
            <span className="row">
              {!withHttp && (
                <Button size="sm" variant="ghost" busy={diagnosis.busy} onClick={() => diagnose(true)}>
                  Also send GET /
                </Button>
              )}
              <Button size="sm" variant="ghost" onClick={diagnosis.reset}>
                Close
              </Button>
            </span>
          </div>
          <ReportView report={diagnosis.value} labelOf={labelOf} />
        </div>
      )}
      <div className="row reproduce-head">
        <code className="mono">{snippet}</code>
        <CopyButton text={snippet} label="Copy curl" />
      </div>
    </Card>
  );
}
