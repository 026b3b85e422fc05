import { useEffect, useState } from 'react';
import type { Settings, Theme } from '../../../shared/views';
import { Card } from '../../components/Card';
import { ErrorText } from '../../components/ErrorText';
import { Field } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { SegmentedControl } from '../../components/SegmentedControl';
import { Loading } from '../../components/Spinner';
import type { Loaded } from '../../hooks/useResult';
import { useSaveSettings } from '../../hooks/useSettings';
import { useVersion } from '../../hooks/useVersion';

/** Props of {@link SettingsScreen}. */
export interface SettingsScreenProps {
  settings: Loaded<Settings>;
}

/** Appearance, PIN session timeout and notifications; every change saves at once. */
export function SettingsScreen({ settings }: SettingsScreenProps) {
  const version = useVersion();
  const save = useSaveSettings();
  const result = settings.result;
  return (
    <div className="screen">
      <PageHeader title="Settings" subtitle="Saved as you change them." />
      {!result && <Loading label="Loading settings…" />}
      {result && !result.ok && <ErrorText code={result.error.code}>{result.error.message}</ErrorText>}
      {result?.ok && (
        <div className="stack settings">
          <Card title="Appearance">
            <div className="setting-row">
              <div>
                <div className="setting-name" id="theme-label">Theme</div>
                <p className="faint">System follows your OS’s light or dark mode.</p>
              </div>
              <SegmentedControl<Theme>
                label="Theme"
                value={result.value.theme}
                onChange={(theme) => void save.run({ theme }).then(settings.reload)}
                segments={[
                  { value: 'system', label: 'System' },
                  { value: 'light', label: 'Light' },
                  { value: 'dark', label: 'Dark' },
                ]}
              />
            </div>
          </Card>
          <Card title="Tokens and PINs">
            <PinTimeout value={result.value.pinIdleTimeoutMinutes} onSave={(minutes) => void save.run({ pinIdleTimeoutMinutes: minutes }).then(settings.reload)} error={save.error?.message} />
          </Card>
          <Card title="Notifications">
            <label className="check setting-row">
              <span>
                <span className="setting-name">Desktop notifications</span>
                <span className="faint setting-hint">Identities about to expire, renewals that failed, tokens that need a PIN.</span>
              </span>
              <input
                type="checkbox"
                className="switch"
                checked={result.value.notifications}
                onChange={(e) => void save.run({ notifications: e.target.checked }).then(settings.reload)}
              />
            </label>
          </Card>
          <Card title="About">
            <p className="muted">{version ? `${version.name} ${version.version}` : 'Keyport'} — mTLS client identities, with keys where they belong.</p>
          </Card>
        </div>
      )}
    </div>
  );
}

function PinTimeout({ value, onSave, error }: { value: number; onSave: (minutes: number) => void; error?: string }) {
  const [text, setText] = useState(String(value));
  useEffect(() => setText(String(value)), [value]);
  const minutes = Number(text);
  const invalid = !Number.isInteger(minutes) || minutes < 0 || minutes > 1440 ? 'Enter whole minutes from 0 to 1440 (0: until the screen locks or Keyport quits).' : undefined;
  return (
    <Field
      label="Log out of tokens after (minutes idle)"
      hint="Keyport never keeps a PIN; this ends token sessions after this many idle minutes. 0 keeps them until the screen locks or Keyport quits."
      error={invalid ?? error}
    >
      <input
        type="number"
        min={0}
        max={1440}
        className="input-narrow"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => !invalid && minutes !== value && onSave(minutes)}
      />
    </Field>
  );
}
