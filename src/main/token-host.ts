import { utilityProcess } from 'electron';
import type { HostLauncher, HostProcess } from '../core/tokenhost/transport';

/**
 * Starts the token host as an Electron utility process, the desktop counterpart of the CLI's
 * `child_process.fork`: PKCS#11 vendor code then runs in its own sandbox-free Node process,
 * never in the main or renderer process, and messages keep structured-clone semantics.
 */
export const utilityProcessHost: HostLauncher = (entry, env) => {
  const child = utilityProcess.fork(entry.path, [], {
    env,
    execArgv: entry.execArgv,
    serviceName: 'Keyport token host',
    // Vendor modules print to stdout; like the CLI, show that chatter only when debugging.
    stdio: 'pipe',
  });
  const chatter = (chunk: Buffer) => {
    if (process.env.KEYPORT_DEBUG === '1') process.stderr.write(chunk);
  };
  child.stdout?.on('data', chatter);
  child.stderr?.on('data', chatter);
  const host: HostProcess = {
    get pid() {
      return child.pid;
    },
    postMessage: (message) => child.postMessage(message),
    on: ((event: 'message' | 'exit', listener: (arg: unknown) => void) => {
      if (event === 'message') child.on('message', listener);
      else child.on('exit', listener);
    }) as HostProcess['on'],
    kill: () => {
      child.kill();
    },
  };
  return host;
};
