/**
 * The Content-Security-Policy in force, in Debian's Chromium: the built UI served by `keyport
 * serve`'s server, then code injected the ways an XSS would (an inline <script>, an inline event
 * handler, a javascript: URL, a script from another origin). None of it runs, and each is
 * reported by the browser as a CSP violation, which shows that the policy is what stopped it.
 * (eval cannot be probed from here: code Playwright evaluates runs through DevTools, which CSP
 * exempts; src/main/csp.test.ts checks that the policy never allows it.)
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiServer, type UiServer } from '../../src/core/serve/server';
import { memoryServices } from '../fixtures/memory-services';
import { tempDir, type TempDir } from '../testbed/proc';

const CHROMIUM = '/usr/bin/chromium';
const RENDERER = path.resolve(__dirname, '../../out/renderer');

describe('the CSP in Chromium', () => {
  let server: UiServer;
  let browser: BrowserContext;
  let profile: TempDir;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing (${CHROMIUM}): install the Debian package chromium.`);
    if (!existsSync(path.join(RENDERER, 'index.html'))) throw new Error('The UI is not built: run npm run build.');
    server = await startUiServer({ services: memoryServices(), rendererDir: RENDERER });
    profile = await tempDir('csp-chromium');
    browser = await chromium.launchPersistentContext(profile.path, { executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => (document.getElementById('root')?.childElementCount ?? 0) > 0);
    await page.evaluate(() => {
      const w = window as unknown as { violations: string[] };
      w.violations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await profile?.remove();
  });

  const pwned = () => page.evaluate(() => (window as unknown as { pwned?: string }).pwned);
  const violations = () => page.evaluate(() => (window as unknown as { violations: string[] }).violations);

  it("runs the app's own bundle (the page is not simply broken)", async () => {
    expect(await page.evaluate(() => document.querySelectorAll('script[src]').length)).toBeGreaterThan(0);
    expect(await page.evaluate(() => document.getElementById('root')!.childElementCount)).toBeGreaterThan(0);
  });

  it('blocks an injected inline script, inline handler and javascript: URL', async () => {
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = "window.pwned = 'inline script'";
      document.body.append(script);
      const img = document.createElement('img');
      img.setAttribute('onerror', "window.pwned = 'inline handler'");
      img.src = '/no-such-image.png';
      document.body.append(img);
      const link = document.createElement('a');
      link.href = "javascript:window.pwned='javascript url'";
      document.body.append(link);
      link.click();
    });
    await page.waitForTimeout(300);
    expect(await pwned()).toBeUndefined();
    const seen = await violations();
    expect(seen).toEqual(expect.arrayContaining([expect.stringMatching(/^script-src-elem inline/), expect.stringMatching(/^script-src-attr inline/)]));
  });

  it('blocks a script from another origin', async () => {
    const before = (await violations()).length;
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.src = 'http://127.0.0.1:9/evil.js';
      document.body.append(script);
    });
    await page.waitForTimeout(300);
    const seen = (await violations()).slice(before);
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set(['script-src-elem http://127.0.0.1:9/evil.js']));
  });
});
