import { useIdentities } from './hooks/useIdentities';

/** The screens in the sidebar, in order. */
const SCREENS = [
  { screen: 'identities', label: 'Identities', icon: '◈' },
  { screen: 'import', label: 'Import', icon: '⇩' },
  { screen: 'keygen', label: 'New key', icon: '✦' },
  { screen: 'tokens', label: 'Tokens', icon: '▣' },
  { screen: 'test', label: 'Test connection', icon: '⇄' },
] as const;

/** The sidebar: the brand, the screens (with how many identities need attention), settings at the bottom. */
export function Sidebar({ screen }: { screen: string }) {
  const { result } = useIdentities();
  const attention = result?.ok ? result.value.filter((i) => i.status === 'expiring' || i.status === 'expired').length : 0;
  return (
    <nav className="sidebar" aria-label="Screens">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">K</span>
        Keyport
      </div>
      <div className="nav-section">Workspace</div>
      {SCREENS.map((s) => (
        <a key={s.screen} className="nav-link" href={`#/${s.screen}`} aria-current={screen === s.screen ? 'page' : undefined}>
          <span className="nav-icon" aria-hidden="true">{s.icon}</span>
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
          <span className="nav-icon" aria-hidden="true">⚙</span>
          Settings
        </a>
      </div>
    </nav>
  );
}
