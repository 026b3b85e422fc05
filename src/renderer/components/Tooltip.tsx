import * as RadixTooltip from '@radix-ui/react-tooltip';
import type { ReactElement } from 'react';

/** Props of {@link Tooltip}. */
export interface TooltipProps {
  content: string;
  children: ReactElement;
}

/** A hover and focus hint (Radix: shows on keyboard focus too). Needs {@link TooltipProvider} above. */
export function Tooltip({ content, children }: TooltipProps) {
  return (
    <RadixTooltip.Root>
      <RadixTooltip.Trigger asChild>{children}</RadixTooltip.Trigger>
      <RadixTooltip.Portal>
        <RadixTooltip.Content className="tooltip" sideOffset={6}>
          {content}
        </RadixTooltip.Content>
      </RadixTooltip.Portal>
    </RadixTooltip.Root>
  );
}

/** Shares tooltip delays across the app. */
export const TooltipProvider = RadixTooltip.Provider;
