import path from 'node:path';
import type { Command } from 'commander';
import { AppServices } from '../../core/app-services';
import { startUiServer } from '../../core/serve/server';
import { createEventHub } from '../../shared/events';
import { KeyportError, toKeyportError } from '../../shared/errors';
import { action } from '../action';
import { openBrowser } from '../open-browser';

/**
 * The built renderer: the CLI bundle is out/cli/keyport.js and electron-vite builds the UI into
 * out/renderer, so it sits next to the bundle's folder.
 */
function rendererDir(): string {
  return path.resolve(__dirname, '..', 'renderer');
}

/** `--port N` as a number; the server checks the range. */
function parsePort(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d{1,5}$/.test(text)) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `--port must be a whole number from 1 to 65535 (or 0 for a free port), not ${JSON.stringify(text)}.`);
  }
  return Number(text);
}

/** Resolves on the first SIGINT or SIGTERM; a second one then stops the process the default way. */
function untilStopped(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      resolve(signal);
    };
    process.once('SIGINT', stop).once('SIGTERM', stop);
  });
}

/** Faults that are not KeyportErrors: one line on the terminal, the stack only with KEYPORT_DEBUG=1. */
function reportInternal(error: unknown): void {
  process.stderr.write(`keyport serve: ${toKeyportError(error, 'internal error').message}\n`);
  if (process.env.KEYPORT_DEBUG === '1' && error instanceof Error) process.stderr.write(`${error.stack}\n`);
}

/** `serve`: the desktop UI over loopback HTTP, until Ctrl+C or SIGTERM. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the Keyport UI on 127.0.0.1 for a browser on this machine; prints the address to open')
    .option('--port <n>', 'TCP port on 127.0.0.1 (default: a free port; the address changes every run anyway)')
    .option('--open', "open the UI in the default browser (with a one-time address, since the launcher's argv is visible to local users)")
    .option('--host <address>', 'only 127.0.0.1 is accepted: the UI can use your keys (use ssh -L to reach it from elsewhere)')
    .action(
      action<{ json?: boolean; port?: string; host?: string; open?: boolean }>(async (_args, opts, keyport) => {
        const events = createEventHub((e) => reportInternal(e));
        // PINs are asked in the page (pin.required), never on this terminal.
        const services = new AppServices({ dataDir: keyport.registry.dataDir, pkcs11Modules: keyport.modules, events, onError: reportInternal });
        try {
          const server = await startUiServer({
            services,
            events,
            rendererDir: rendererDir(),
            port: parsePort(opts.port),
            ...(opts.host !== undefined ? { host: opts.host } : {}),
            onInternalError: reportInternal,
          });
          process.stdout.write(`Keyport UI: ${server.url}\nOpen this address in a browser on this machine; it holds this run's session token. Press Ctrl+C to stop.\n`);
          if (opts.open) {
            const failure = await openBrowser(server.oneTimeUrl());
            if (failure) process.stderr.write(`keyport serve: could not open a browser: ${failure}; open the address above yourself.\n`);
          }
          await untilStopped();
          await server.close();
        } finally {
          await services.close();
        }
      }),
    );
}
