import path from 'node:path';
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import type { ProxyStatsEvent } from '../shared/app-views';
import type { IdentityView } from '../shared/identity';
import { trayMenuModel, trayTooltip, type TrayItem } from './attention';

/** What the tray's menu items do. */
export interface TrayActions {
  /** Shows the window; with an id, on that identity. */
  show(identityId?: string): void;
  /** Starts or stops the saved proxy routes. */
  proxy(action: 'start' | 'stop'): void;
  quit(): void;
}

/** The tray icon (a template image on macOS so it follows the menu bar's colour). */
function trayIcon(): Electron.NativeImage {
  const file = process.platform === 'darwin' ? 'trayTemplate.png' : 'tray.png';
  return nativeImage.createFromPath(path.join(__dirname, '../../resources', file));
}

/** The tray's handle: give it what changed (identities or the proxy's state), it rebuilds the menu. */
export interface AppTray {
  update(change: { identities?: IdentityView[]; proxy?: ProxyStatsEvent }): void;
  destroy(): void;
}

/** A tray icon whose menu shows the proxy's state and the identities needing attention. */
export function createTray(actions: TrayActions): AppTray {
  const tray = new Tray(trayIcon());
  tray.on('click', () => actions.show());
  let identities: IdentityView[] = [];
  let proxy: ProxyStatsEvent | undefined;
  let shown = '';
  const update = (change: { identities?: IdentityView[]; proxy?: ProxyStatsEvent }) => {
    identities = change.identities ?? identities;
    proxy = change.proxy ?? proxy;
    const model = trayMenuModel(identities, new Date(), 8, proxy);
    const tooltip = trayTooltip(identities, proxy);
    // proxy.stats arrives every second while traffic flows: rebuild the menu only when its text changes.
    const text = JSON.stringify([model, tooltip]);
    if (text === shown) return;
    shown = text;
    tray.setToolTip(tooltip);
    tray.setContextMenu(Menu.buildFromTemplate(model.map((item) => menuItem(item, actions))));
  };
  update({});
  return { update, destroy: () => tray.destroy() };
}

function menuItem(item: TrayItem, actions: TrayActions): MenuItemConstructorOptions {
  switch (item.kind) {
    case 'separator':
      return { type: 'separator' };
    case 'open':
      return { label: item.label, click: () => actions.show() };
    case 'identity':
      return { label: item.label, click: () => actions.show(item.id) };
    case 'info':
      return { label: item.label, enabled: false };
    case 'proxy':
      return { label: item.label, click: () => actions.proxy(item.action) };
    case 'quit':
      return { label: item.label, click: () => actions.quit() };
  }
}
