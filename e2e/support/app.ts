/**
 * The one e2e fixture: opens Keyport's UI over a data dir and hands back a page. Where an Electron
 * binary is installed it launches the real app with Playwright's `_electron`; elsewhere (as on
 * machines where Electron's binary cannot be downloaded) it runs `keyport serve` and opens the
 * printed address in Debian's Chromium. Either way the page reaches the same contract.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { _electron, chromium, type BrowserContext, type ElectronApplication, type Page } from 'playwright-core';
import { CLI_BUNDLE } from '../../test/testbed/cli';
import { watchProblems } from '../../test/testbed/page-problems';
import { startProcess, tempDir, type Proc, type TempDir } from '../../test/testbed/proc';

/** Debian's Chromium, the browser of the serve path. */
export const CHROMIUM = '/usr/bin/chromium';
const root = path.resolve(__dirname, '..', '..');

/** What the fixture needs to start Keyport. */
export interface AppOptions {
  dataDir: string;
  /** Merged into Keyport's environment (keyring bus, SOFTHSM2_CONF, KEYPORT_PKCS11_MODULES...). */
  env: Record<string, string>;
  /** Window/viewport size; screenshots are taken at this size. */
  viewport?: { width: number; height: number };
  /**
   * Runs Keyport inside a wrapper, e.g. a virtual smartcard reader's mount namespace. Only
   * `keyport serve` can be wrapped, so a wrapped launch always takes the serve path.
   */
  wrap?: (cmd: string, args: string[]) => [string, string[]];
}

/** A running Keyport UI. */
export interface KeyportUi {
  /** `electron` or `serve`, for the report. */
  kind: 'electron' | 'serve';
  page: Page;
  /** Errors, CSP violations and failed requests the page reported (see test/testbed/page-problems.ts). */
  problems: string[];
  /** Opens a screen by its route (`identities`, `tokens`, `identities/ID`...). */
  goto(route: string): Promise<void>;
  close(): Promise<void>;
}

/** The Electron binary, when the electron package has one (never downloaded here). */
export function electronBinary(): string | undefined {
  try {
    const binary = createRequire(__filename)('electron') as unknown;
    return typeof binary === 'string' && existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

/** Checks the build the fixture runs: the UI bundle and the CLI bundle. */
function requireBuild(): void {
  if (!existsSync(path.join(root, 'out', 'renderer', 'index.html'))) {
    throw new Error('The UI is not built (out/renderer/index.html is missing): run `npm run build` first.');
  }
  if (!existsSync(CLI_BUNDLE)) throw new Error(`The CLI is not built (${CLI_BUNDLE}): run \`npm run build\` first.`);
}

/** Starts Keyport's UI: the Electron app where its binary exists, else `keyport serve` in Chromium. */
export async function launchKeyport(o: AppOptions): Promise<KeyportUi> {
  requireBuild();
  const binary = o.wrap ? undefined : electronBinary();
  return binary ? launchElectron(binary, o) : launchServe(o);
}

function routeTo(page: Page) {
  return async (route: string) => {
    await page.evaluate((hash) => {
      location.hash = hash;
    }, `#/${route}`);
    await page.locator('main.content').waitFor();
  };
}

async function launchElectron(binary: string, o: AppOptions): Promise<KeyportUi> {
  const app: ElectronApplication = await _electron.launch({
    executablePath: binary,
    args: [path.join(root, 'out', 'main', 'index.js')],
    env: { ...(process.env as Record<string, string>), ...o.env, KEYPORT_DATA_DIR: o.dataDir },
  });
  const page = await app.firstWindow();
  if (o.viewport) await page.setViewportSize(o.viewport);
  const problems = watchProblems(page);
  await page.locator('main.content').waitFor();
  return { kind: 'electron', page, problems, goto: routeTo(page), close: () => app.close() };
}

async function launchServe(o: AppOptions): Promise<KeyportUi> {
  let serve: Proc | undefined;
  let profile: TempDir | undefined;
  let context: BrowserContext | undefined;
  try {
    const [cmd, args] = (o.wrap ?? ((c, a) => [c, a]))(process.execPath, [CLI_BUNDLE, '--data-dir', o.dataDir, 'serve']);
    serve = await startProcess(cmd, args, {
      name: 'keyport serve',
      env: { ...o.env, NO_COLOR: '1' },
      ready: { line: /Keyport UI: http:\/\/127\.0\.0\.1:\d+\/\?token=\S+\n/ },
    });
    const url = /Keyport UI: (\S+)/.exec(serve.output())![1]!;
    profile = await tempDir('chromium-profile');
    context = await chromium.launchPersistentContext(profile.path, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: o.viewport ?? { width: 1280, height: 800 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const problems = watchProblems(page);
    await page.goto(url);
    await page.locator('main.content').waitFor();
    const [ctx, srv, prof] = [context, serve, profile];
    return {
      kind: 'serve',
      page,
      problems,
      goto: routeTo(page),
      async close() {
        await ctx.close();
        await srv.stop();
        await prof.remove();
      },
    };
  } catch (e) {
    await context?.close();
    await serve?.stop();
    await profile?.remove();
    throw e;
  }
}
