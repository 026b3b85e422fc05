/** Each screen checked the same way: in light and in dark, a screenshot and an axe-core scan. */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { seriousViolations } from './axe';

/** Where the e2e run leaves its screenshots. */
export const SCREENSHOT_DIR = path.resolve(__dirname, '..', '..', 'test-results', 'screens');

/**
 * Saves `<name>-light.png` and `<name>-dark.png` (the OS colour scheme, which the UI follows)
 * and returns axe's serious/critical violations in either theme, one line each.
 */
export async function checkScreen(page: Page, name: string): Promise<string[]> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const violations: string[] = [];
  // Toasts from the previous step would cover the screen in the shot: dismiss them first, always the
  // first one left (the locators of all() are positional: after the first closed, nth(1) never came
  // and each shot with two toasts waited 30 s for it).
  const closes = page.locator('.toast-close');
  for (let left = await closes.count(); left > 0; left--) await closes.first().click({ timeout: 2000 }).catch(() => undefined);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    // Colour transitions (buttons, inputs) take 120 ms: let them end before shooting and measuring.
    await page.waitForTimeout(250);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}-${scheme}.png`) });
    violations.push(...(await seriousViolations(page)).map((v) => `${scheme}: ${v}`));
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return violations;
}
