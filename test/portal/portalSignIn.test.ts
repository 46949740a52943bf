/**
 * The portal in a real browser, signing in: the development sign-in of the embedded runtime, the
 * frame it opens, a 401 sending the admin back to sign in, and no serious accessibility problem.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, screenshot, seriousAccessibilityViolations } from '../support/browser';
import { startPortalRuntime, type PortalRuntime } from '../support/portalRuntime';
import { signIn } from '../support/portalSteps';

const tenantId = 'a3c1f0de-5b6e-4a7f-8c9d-0e1f2a3b4c5d';

describe('portal sign-in in a browser', () => {
  let runtime: PortalRuntime;
  let browser: Browser;
  beforeAll(async () => {
    [runtime, browser] = await Promise.all([startPortalRuntime(), launchBrowser()]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
  });

  it('signs in with the local issuer, shows who is signed in, and has no serious accessibility problem', async () => {
    const page = await openPage(browser);
    await page.goto(runtime.url);
    await expect.poll(() => page.getByText('Local development sign-in').isVisible()).toBe(true);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'sign-in');
    await signIn(page, runtime.url, 'DR.Reader', 'reader@contoso.test', tenantId);
    const header = await page.locator('header').first().innerText();
    expect(header).toContain('reader@contoso.test');
    expect(header).toContain('DR.Reader');
    expect(header).toContain(tenantId);
  }, 60_000);

  it('sends the admin back to sign in when the API refuses the token (401)', async () => {
    const page = await openPage(browser);
    await signIn(page, runtime.url, 'DR.Admin', 'admin@contoso.test', tenantId);
    // The token is replaced by one the API cannot verify, as an expired or revoked one.
    await page.evaluate(`(() => {
      const session = JSON.parse(sessionStorage.getItem('clouddr.session'));
      session.token = session.token.slice(0, -4) + 'AAAA';
      sessionStorage.setItem('clouddr.session', JSON.stringify(session));
    })()`);
    await page.reload();
    await page.getByText('sign in again').waitFor();
    expect(await page.getByRole('button', { name: 'Sign in' }).isVisible()).toBe(true);
  }, 60_000);
});
