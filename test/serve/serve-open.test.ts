/**
 * `keyport serve --open`: the browser launcher gets a one-time address, not the printed session
 * token (a launcher's argv is readable by other local users), and that address works once.
 * There is no desktop here, so `xdg-open` is a stand-in on PATH that records its argument; the
 * launcher's own behaviour (handing the URL to the default browser) is the OS's.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserLauncher } from '../../src/cli/open-browser';
import { tempDir, waitUntil, type TempDir } from '../testbed/proc';
import { send } from './http-client';
import { startServe, type ServeProcess } from './serve-process';

describe('keyport serve --open', () => {
  let tmp: TempDir;
  let serve: ServeProcess;
  let opened: string;

  beforeAll(async () => {
    tmp = await tempDir('serve-open');
    opened = path.join(tmp.path, 'opened.txt');
    const launcher = path.join(tmp.path, 'xdg-open');
    await writeFile(launcher, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
    await chmod(launcher, 0o755);
    serve = await startServe(path.join(tmp.path, 'data'), { PATH: `${tmp.path}:${process.env.PATH}` }, ['--open']);
    await waitUntil(() => existsSync(opened), { what: 'xdg-open to be called' });
  });

  afterAll(async () => {
    await serve?.stop();
    await tmp?.remove();
  });

  it('hands the launcher a one-time address that opens a session once', async () => {
    const url = new URL(await readFile(opened, 'utf8'));
    const printed = new URL(/Keyport UI: (\S+)/.exec(serve.proc.output())![1]!);
    expect(url.origin).toBe(printed.origin);
    expect(url.searchParams.get('token')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('token')).not.toBe(printed.searchParams.get('token'));
    const first = await send(serve.port, { path: url.pathname + url.search });
    expect(first.status).toBe(303);
    expect(first.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await send(serve.port, { path: url.pathname + url.search })).status).toBe(401);
  });

  it('names the launcher of each platform', () => {
    expect(browserLauncher('http://x/', 'linux')).toEqual({ command: 'xdg-open', args: ['http://x/'] });
    expect(browserLauncher('http://x/', 'darwin')).toEqual({ command: 'open', args: ['http://x/'] });
    expect(browserLauncher('http://x/', 'win32')).toEqual({ command: 'cmd', args: ['/c', 'start', '""', 'http://x/'] });
  });
});
