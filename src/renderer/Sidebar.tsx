import { ArrowLeftRight, CalendarClock, FileUp, IdCard, KeyRound, Network, ScrollText, Settings, Usb } from 'lucide-react';
import { useIdentities } from './hooks/useIdentities';

/** The screens in the sidebar, in order. */
const SCREENS = [
  { screen: 'identities', label: 'Identities', Icon: IdCard },
  { screen: 'import', label: 'Import', Icon: FileUp },
  { screen: 'keygen', label: 'New key', Icon: KeyRound },
  { screen: 'tokens', label: 'Tokens', Icon: Usb },
  { screen: 'test', label: 'Test connection', Icon: ArrowLeftRight },
  { screen: 'proxy', label: 'Proxy', Icon: Network },
  { screen: 'renewal', label: 'Renewal', Icon: CalendarClock },
  { screen: 'audit', label: 'Audit log', Icon: ScrollText },
] as const;

/** The sidebar: the brand, the screens (with how many identities need attention), settings at the bottom. */
export function Sidebar({ screen }: { screen: string }) {
  const { result } = useIdentities();
  const attention = result?.ok ? result.value.filter((i) => i.status === 'expiring' || i.status === 'expired').length : 0;
  return (
    <nav className="sidebar" aria-label="Screens">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          <KeyRound size={15} strokeWidth={2.4} />
        </span>
        Keyport
      </div>
      <div className="nav-section">Workspace</div>
      {SCREENS.map((s) => (
        <a key={s.screen} className="nav-link" href={`#/${s.screen}`} aria-current={screen === s.screen ? 'page' : undefined}>
          <s.Icon className="nav-icon" size={16} aria-hidden="true" />
          {s.label}
          {s.screen === 'identities' && attention > 0 && (
            <span className="nav-count" title={`${attention} expiring or expired`}>
              {attention}
              <span className="visually-hidden"> need attention</span>
            </span>
          )}
        </a>
      ))}
      <div className="sidebar-footer">
        <a className="nav-link" href="#/settings" aria-current={screen === 'settings' ? 'page' : undefined}>
          <Settings className="nav-icon" size={16} aria-hidden="true" />
          Settings
        </a>
      </div>
    </nav>
  );
}
