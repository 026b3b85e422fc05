import { Notification } from 'electron';
import type { ProxyStatsEvent, RenewalNotice } from '../shared/app-views';
import type { IdentityView } from '../shared/identity';
import type { PinRequest } from '../shared/views';
import { expiryNotices, renewalNotification, routeFailureNotices } from './attention';

/**
 * Desktop notifications: identities turning expiring or expired, a renewal that failed or needs a
 * new enrollment, a token waiting for its PIN, and a proxy route whose connections fail.
 */
export class Notifier {
  private readonly shown = new Set<string>();
  private readonly routesNotified = new Map<string, number>();

  /** `enabled` reads the user's setting; `show` brings the window up (on an identity), `showProxy` on the Proxy screen. */
  constructor(
    private readonly enabled: () => Promise<boolean>,
    private readonly show: (identityId?: string) => void,
    private readonly showProxy: () => void,
  ) {}

  /** The running routes' counters (`proxy.stats`): a route whose connections newly fail. */
  async routes(proxy: ProxyStatsEvent): Promise<void> {
    const notices = routeFailureNotices(proxy, this.routesNotified);
    if (notices.length === 0 || !(await this.allowed())) return;
    for (const n of notices) this.post(n.title, n.body, this.showProxy);
  }

  /** Notifies about identities that newly need attention. */
  async identities(identities: IdentityView[]): Promise<void> {
    const notices = expiryNotices(identities, this.shown);
    if (notices.length === 0 || !(await this.allowed())) return;
    for (const notice of notices) this.post(notice.title, notice.body, () => this.show(notice.id));
  }

  /** The renewal scheduler's failures (`renewal.notice`); `label` names the identity. */
  async renewal(notice: RenewalNotice, label: string): Promise<void> {
    const n = renewalNotification(notice, label);
    if (!n || this.shown.has(n.key) || !(await this.allowed())) return;
    this.shown.add(n.key);
    this.post(n.title, n.body, () => this.show(n.id));
  }

  /** A token needs its PIN; only when the window is not in front (it shows the dialog itself). */
  async pinRequired(request: PinRequest, windowFocused: boolean): Promise<void> {
    if (windowFocused || !(await this.allowed())) return;
    this.post(`Token "${request.token}" needs its PIN`, 'Open Keyport to enter it.', () => this.show());
  }

  private async allowed(): Promise<boolean> {
    return Notification.isSupported() && (await this.enabled().catch(() => false));
  }

  private post(title: string, body: string, onClick: () => void): void {
    const notification = new Notification({ title, body, silent: false });
    notification.on('click', onClick);
    notification.show();
  }
}
