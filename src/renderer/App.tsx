import { useEffect, useState } from 'react';
import { ErrorBoundary } from './components/ErrorBoundary';
import { ToastProvider } from './components/Toast';
import { IdentitiesScreen } from './features/identities/IdentitiesScreen';
import { IdentityDetailScreen } from './features/identities/IdentityDetailScreen';
import { ImportScreen } from './features/import/ImportScreen';
import { KeygenScreen } from './features/keygen/KeygenScreen';
import { PinPrompt } from './features/pin/PinPrompt';
import { ProbeScreen } from './features/probe/ProbeScreen';
import { SettingsScreen } from './features/settings/SettingsScreen';
import { TokensScreen } from './features/tokens/TokensScreen';
import { ProxyScreen } from './features/proxy/ProxyScreen';
import { AuditScreen } from './features/audit/AuditScreen';
import { RenewalScreen } from './features/renewal/RenewalScreen';
import { IdentitiesProvider } from './hooks/useIdentities';
import { useOpenedFiles } from './hooks/useOpenedFiles';
import { useRoute, type Route } from './hooks/useRoute';
import { useShowRequests } from './hooks/useShowRequests';
import { useSettings, useThemeAttribute } from './hooks/useSettings';
import { Sidebar } from './Sidebar';

/** The app: a sidebar of screens, the current screen, the PIN prompt, toasts. */
export function App() {
  const [route, navigate] = useRoute();
  const settings = useSettings();
  useThemeAttribute(settings);
  const [importFile, setImportFile] = useState<{ file: File; key: number } | undefined>(undefined);
  const openFile = (file: File) => {
    setImportFile({ file, key: Date.now() });
    navigate('import');
  };
  useOpenedFiles(openFile);
  useShowRequests(navigate);
  useEffect(() => {
    if (route.screen !== 'import') setImportFile(undefined);
  }, [route.screen]);
  return (
    <ToastProvider>
      <IdentitiesProvider>
        <div className="shell" onDragOver={(e) => e.preventDefault()} onDrop={(e) => dropOnWindow(e, openFile)}>
          <Sidebar screen={route.screen} />
          <main className="content" id="main">
            <ErrorBoundary resetKey={`${route.screen}/${route.param ?? ''}`}>
              <Screen route={route} navigate={navigate} settings={settings} importFile={importFile} />
            </ErrorBoundary>
          </main>
        </div>
      </IdentitiesProvider>
      <PinPrompt />
    </ToastProvider>
  );
}

/** A file dropped anywhere outside a drop zone opens the Import screen with it. */
function dropOnWindow(e: React.DragEvent, open: (file: File) => void) {
  e.preventDefault();
  const file = e.dataTransfer.files[0];
  if (file) open(file);
}

interface ScreenProps {
  route: Route;
  navigate: (to: string) => void;
  settings: ReturnType<typeof useSettings>;
  importFile?: { file: File; key: number };
}

function Screen({ route, navigate, settings, importFile }: ScreenProps) {
  switch (route.screen) {
    case 'identities':
      return route.param ? <IdentityDetailScreen key={route.param} id={route.param} navigate={navigate} /> : <IdentitiesScreen navigate={navigate} />;
    case 'import':
      return <ImportScreen key={importFile?.key} navigate={navigate} initialFile={importFile?.file} />;
    case 'keygen':
      return <KeygenScreen />;
    case 'tokens':
      return <TokensScreen />;
    case 'test':
      return <ProbeScreen key={route.param} identityId={route.param} />;
    case 'proxy':
      return <ProxyScreen />;
    case 'renewal':
      return <RenewalScreen navigate={navigate} />;
    case 'audit':
      return <AuditScreen />;
    case 'settings':
      return <SettingsScreen settings={settings} />;
    default:
      return <IdentitiesScreen navigate={navigate} />;
  }
}
