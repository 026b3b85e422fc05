/**
 * The bridge between the sandboxed page and the main process. It exposes `window.keyport`: one
 * named function per contract method and one `on<Event>` helper per event, built from the
 * contract. ipcRenderer itself never reaches the page, so the page can only call the contract.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { createClient } from '../shared/client';

const api = createClient({
  invoke: (method, request) => ipcRenderer.invoke(method, request),
  subscribe: (event, listener) => {
    // Only the payload crosses over: the IPC event object carries `sender`, i.e. ipcRenderer.
    const forward = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(event, forward);
    return () => {
      ipcRenderer.removeListener(event, forward);
    };
  },
});

contextBridge.exposeInMainWorld('keyport', api);
