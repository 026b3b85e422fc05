import * as RadixTabs from '@radix-ui/react-tabs';
import type { ReactNode } from 'react';

/** One tab of {@link Tabs}. */
export interface TabSpec {
  value: string;
  label: string;
  content: ReactNode;
}

/** Props of {@link Tabs}. */
export interface TabsProps {
  tabs: TabSpec[];
  defaultValue?: string;
  label: string;
}

/** Tabs (Radix: roving focus, arrow keys, aria-selected). */
export function Tabs({ tabs, defaultValue, label }: TabsProps) {
  return (
    <RadixTabs.Root className="tabs" defaultValue={defaultValue ?? tabs[0]?.value}>
      <RadixTabs.List className="tabs-list" aria-label={label}>
        {tabs.map((tab) => (
          <RadixTabs.Trigger key={tab.value} value={tab.value} className="tabs-trigger">
            {tab.label}
          </RadixTabs.Trigger>
        ))}
      </RadixTabs.List>
      {tabs.map((tab) => (
        <RadixTabs.Content key={tab.value} value={tab.value} className="tabs-content">
          {tab.content}
        </RadixTabs.Content>
      ))}
    </RadixTabs.Root>
  );
}
