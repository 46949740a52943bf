/**
 * A real browser for the portal's tests: Debian's Chromium driven by playwright-core (Playwright's
 * own browsers cannot be downloaded here), an axe-core accessibility check, and screenshots saved
 * to portal/screenshots/ (git-ignored) for a reviewer to look at.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const screenshotDir = join(__dirname, '..', '..', 'portal', 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `No Chromium at ${chromiumPath}: the portal's browser tests need one (Debian: apt-get install chromium; or set CHROMIUM_PATH)`,
    );
  }
  return await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

/** A page at the size the issue names (1280×800 unless given); CSP bypassed only so axe can be injected. */
export async function openPage(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport, bypassCSP: true });
  return await context.newPage();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

const axeSource = readFileSync(createRequire(__filename).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/**
 * Serious and critical WCAG violations on the page as it is now (axe-core's rules for WCAG 2.1
 * A/AA). Fluent UI's focus guards (`data-tabster-dummy`) are left out, and only they: focusable and
 * aria-hidden by design, they hand focus on at once, a known false positive of aria-hidden-focus
 * (https://github.com/microsoft/tabster/issues/288, the maintainers' answer).
 */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  // Strings, not functions: this file is compiled without the DOM's types; the code runs in the page.
  if (!(await page.evaluate<boolean>("'axe' in window"))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate<AxeViolation[]>(`
    axe.run({ exclude: [['[data-tabster-dummy]']] }, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    }).then((result) => result.violations.map((v) => ({
      id: v.id,
      impact: String(v.impact),
      help: v.help,
      targets: v.nodes.map((n) => String(n.target)),
    })))
  `);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
