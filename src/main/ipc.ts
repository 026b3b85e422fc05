import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import type { KeyportServices } from '../core/services';
import { eventNames, methodNames } from '../shared/contract';
import { toKeyportError } from '../shared/errors';
import type { EventHub } from '../shared/events';
import { err, type Result } from '../shared/result';
import { serveContract } from '../shared/serve';
import { isTrustedFrame } from './renderer-origin';

/**
 * Serves the contract over IPC: one `ipcMain.handle` per method, each taking the body as
 * `unknown`. A request is answered only when it comes from our renderer's top frame; the
 * body is validated by `serveContract` before anything in the core runs.
 *
 * `services` is a promise so the window can open while the core starts; if the core fails to
 * start, every call answers with that failure instead of hanging.
 */
export function registerIpc(services: Promise<KeyportServices>, events: EventHub): void {
  for (const method of methodNames) {
    ipcMain.handle(method, async (event: IpcMainInvokeEvent, body: unknown): Promise<Result<unknown>> => {
      if (!isTrustedFrame(event.senderFrame)) {
        return err('KEYPORT_FORBIDDEN', `Refused ${method}: the request did not come from Keyport's own window.`);
      }
      let ready: KeyportServices;
      try {
        ready = await services;
      } catch (e) {
        const failure = toKeyportError(e, 'Keyport could not start');
        return err(failure.code, failure.message);
      }
      return serveContract(ready, method, body, {
        events,
        onInternalError: (e) => console.error(`Keyport: ${method} failed:`, e),
      });
    });
  }
  for (const name of eventNames) events.subscribe(name, (payload) => broadcast(name, payload));
}

/** Sends an event to every window currently showing our renderer, on the channel named after the event. */
function broadcast(channel: string, payload: unknown): void {
  for (const window of BrowserWindow.getAllWindows()) {
    const { webContents } = window;
    if (!webContents.isDestroyed() && isTrustedFrame(webContents.mainFrame)) webContents.send(channel, payload);
  }
}
