/**
 * The token host: the child process that owns every PKCS#11 module. Started by TokenHostClient
 * with `child_process.fork` (Node) or Electron's `utilityProcess.fork`; both deliver the same
 * messages. Requests are validated before any module sees them; nothing here logs params.
 */
import { answer } from './dispatch';
import type { TokenHostResponse } from './protocol';
import { TokenService } from './service';

/** The parent link, whichever way the host was started. */
interface ParentPort {
  post(message: TokenHostResponse): void;
  onMessage(listener: (message: unknown) => void): void;
  onClose(listener: () => void): void;
}

/** Electron's utilityProcess exposes `process.parentPort`; Node's fork exposes `process.send`. */
function parentPort(): ParentPort | undefined {
  const electronPort = (process as { parentPort?: ElectronParentPort }).parentPort;
  if (electronPort) {
    return {
      post: (m) => electronPort.postMessage(m),
      onMessage: (l) => electronPort.on('message', (e) => l(e.data)),
      onClose: () => undefined,
    };
  }
  const send = process.send?.bind(process);
  if (!send) return undefined;
  return {
    post: (m) => send(m),
    onMessage: (l) => process.on('message', l),
    onClose: (l) => process.on('disconnect', l),
  };
}

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

function main(): void {
  const port = parentPort();
  if (!port) {
    process.stderr.write('The token host must be started by Keyport (it talks over IPC).\n');
    process.exitCode = 2;
    return;
  }
  const service = new TokenService();
  port.onMessage((message) => port.post(answer(service, message)));
  port.onClose(() => {
    service.close();
    process.exit(0);
  });
}

main();
