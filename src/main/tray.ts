import path from 'node:path';
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import type { IdentityView } from '../shared/identity';
import { trayMenuModel, trayTooltip, type TrayItem } from './attention';

/** What the tray's menu items do. */
export interface TrayActions {
  /** Shows the window; with an id, on that identity. */
  show(identityId?: string): void;
  quit(): void;
}

/** The tray icon (a template image on macOS so it follows the menu bar's colour). */
function trayIcon(): Electron.NativeImage {
  const file = process.platform === 'darwin' ? 'trayTemplate.png' : 'tray.png';
  return nativeImage.createFromPath(path.join(__dirname, '../../resources', file));
}

/** A tray icon whose menu lists the identities needing attention; call `update` when they change. */
export function createTray(actions: TrayActions): { update(identities: IdentityView[]): void; destroy(): void } {
  const tray = new Tray(trayIcon());
  tray.on('click', () => actions.show());
  const update = (identities: IdentityView[]) => {
    tray.setToolTip(trayTooltip(identities));
    tray.setContextMenu(Menu.buildFromTemplate(trayMenuModel(identities).map((item) => menuItem(item, actions))));
  };
  update([]);
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
    case 'quit':
      return { label: item.label, click: () => actions.quit() };
  }
}
