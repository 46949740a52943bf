/**
 * The whole drill in the admin portal, in headless Chromium against the embedded runtime, with no
 * call to the API but the browser's: the platform admin creates the tenant; its DR.Admin makes a
 * policy, imports devices and takes points for the fleet, and sees them protected; a DR.Operator
 * activates the region with a first list, watches every wave complete, checks the counts against
 * the API, deactivates and finds the audit records; a DR.Reader finds activation disabled with its
 * reason. Every page is checked with axe-core and saved as a screenshot (portal/screenshots/).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, screenshot, seriousAccessibilityViolations } from '../support/browser';
import { call } from '../support/http';
import { startPortalRuntime, type PortalRuntime } from '../support/portalRuntime';
import { choose, field, openSection, signIn, signOut } from '../support/portalSteps';

const tenantId = randomUUID();
const devices = 3;

describe('the drill in the admin portal', () => {
  let runtime: PortalRuntime;
  let browser: Browser;
  let page: Page;
  /** Every API answer the portal got: none may hold more than one page of a list. */
  const answers: { url: string; items: number }[] = [];
  const accessibility: Record<string, unknown[]> = {};

  /** Checks the page as it is now with axe, and saves its screenshot. */
  async function look(name: string) {
    // A dialog fading in or out is half transparent: its contrast is judged once it has settled.
    await page.waitForFunction("document.getAnimations().every((a) => a.playState !== 'running')");
    accessibility[name] = await seriousAccessibilityViolations(page);
    await screenshot(page, name);
  }

  beforeAll(async () => {
    [runtime, browser] = await Promise.all([startPortalRuntime(), launchBrowser()]);
    page = await openPage(browser);
    page.on('response', (response: Response) => void recordAnswer(response));
  }, 120_000);
  // A failed step leaves its page as evidence.
  beforeEach((context) => {
    context.onTestFailed(async () => await screenshot(page, `failed-${context.task.name.slice(0, 40)}`));
  });
  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
  });

  async function recordAnswer(response: Response) {
    const url = response.url();
    if (!url.includes('/api/') || !(response.headers()['content-type'] ?? '').includes('json')) return;
    const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    const lists = Object.values(body ?? {}).filter(Array.isArray) as unknown[][];
    answers.push({ url, items: Math.max(0, ...lists.map((list) => list.length)) });
  }

  it('the platform admin creates the tenant', async () => {
    await signIn(page, runtime.url, 'DR.PlatformAdmin', 'ops@contoso.test');
    await field(page, 'Tenant ID').fill(tenantId);
    await field(page, 'Name').fill('Contoso');
    await field(page, 'Licences').fill('500');
    await field(page, 'Allowed backup regions').fill('northeurope');
    await field(page, 'Region').fill('westeurope');
    await field(page, 'Container').fill('disks');
    await field(page, 'Prefix (optional)').fill(tenantId);
    await page.getByRole('button', { name: 'Save tenant' }).click();
    await page.getByText('Tenant created').waitFor();
    await look('platform-tenant');
    await signOut(page);
  }, 60_000);

  it('its admin makes a policy, imports devices, takes points for the fleet and sees them protected', async () => {
    await signIn(page, runtime.url, 'DR.Admin', 'admin@contoso.test', tenantId);
    await openSection(page, 'Policies');
    await page.getByRole('button', { name: 'New policy' }).click();
    await field(page, 'Policy id').fill('standard');
    await field(page, 'Name').fill('Standard');
    await choose(page, 'Backup region', 'northeurope');
    await choose(page, 'RPO (hours)', '4');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Policy created').waitFor();
    // Closed, the dialog gives the page back to assistive technology (it hid it while open).
    await page.waitForFunction("!document.getElementById('root').hasAttribute('aria-hidden')");
    await look('policies');

    // The devices file a user makes with `npm run -s local:disks`, made by that script.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [require.resolve('tsx/cli'), 'scripts/localDisks.ts', '--tenant', tenantId, '--count', String(devices)],
      { cwd: join(__dirname, '..', '..'), env: { ...process.env, ...runtime.env.settings } },
    );
    const file = join(runtime.env.settings['LOCAL_DATA_DIR'] ?? '/tmp', 'devices.json');
    await writeFile(file, stdout);
    await openSection(page, 'Devices');
    await page.getByRole('button', { name: 'Import devices' }).click();
    await page.getByLabel('Devices file (JSON)').setInputFiles(file);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText(`${devices} saved, 0 refused`).waitFor();
    await look('device-import');
    await page.getByRole('button', { name: 'Close' }).click();

    await openSection(page, 'Policies');
    await page.getByRole('button', { name: 'Take restore points now: Standard' }).dblclick();
    await page.getByText('Restore points requested for Standard').waitFor();

    await openSection(page, 'Fleet');
    const protectedCount = page.getByRole('table', { name: 'Devices per compliance status' });
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return await protectedCount.innerText();
        },
        { timeout: 90_000, interval: 2_000 },
      )
      .toMatch(new RegExp(`Protected\\s+${devices}\\b`));
    await look('fleet');
    await openSection(page, 'Devices');
    await page.getByRole('link', { name: 'cpc-0001' }).waitFor();
    await look('devices');
    await page.getByRole('link', { name: 'cpc-0001' }).click();
    await page.getByRole('table', { name: 'Restore points, newest first' }).waitFor();
    await look('device');
    // The double click took one set of points: one Idempotency-Key for the one request.
    const admin = await runtime.env.token(tenantId, ['DR.Reader']);
    const points = await call(`${runtime.api}/tenants/${tenantId}/devices/cpc-0001/restore-points`, {
      token: admin,
    });
    expect(points.body.items).toHaveLength(1);
    await signOut(page);
  }, 180_000);

  it('an operator activates the region with a first list, watches every wave complete, and deactivates', async () => {
    await signIn(page, runtime.url, 'DR.Operator', 'oncall@contoso.test', tenantId);
    await openSection(page, 'Disaster recovery');
    await page.getByRole('button', { name: 'Activate disaster recovery' }).click();
    await page.getByRole('radio', { name: /^A region/ }).check();
    await page.getByRole('combobox', { name: 'Primary region that is down' }).click();
    await page.getByRole('option', { name: /^westeurope/ }).click();
    await field(page, 'Devices to recover first (optional)').fill('cpc-0003, cpc-0001');
    await look('activate');
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('table', { name: 'Waves that will run' }).waitFor();
    expect(
      await page
        .getByText(/devices will be recovered/)
        .locator('..')
        .innerText(),
    ).toContain(String(devices));
    await look('activation-review');
    await field(page, "To confirm, type the region's name: westeurope").fill('westeurope');
    // A double click starts one activation: the portal sends one Idempotency-Key for the request.
    await page.getByRole('button', { name: 'Activate', exact: true }).dblclick();
    await page.waitForURL(/#\/activations\/act-/);
    const activationId = decodeURIComponent(page.url().split('#/activations/')[1]!);
    await screenshot(page, 'activation-planning');
    await page.getByText(/^Wave 0: /).waitFor({ timeout: 60_000 });
    await screenshot(page, 'activation-in-progress');

    await page.getByText('Recovery: 100% complete').waitFor({ timeout: 120_000 });
    const state = page.locator('dl dd').first();
    await expect.poll(() => state.innerText(), { timeout: 30_000 }).toBe('Completed');
    const waves = await page.getByText(/^Wave \d+: .* — \d+%$/).allInnerTexts();
    expect(waves.length).toBeGreaterThan(1);
    for (const wave of waves) expect(wave).toMatch(/— 100%$/);
    await look('activation-completed');

    // The page's counts are the API's.
    const reader = await runtime.env.token(tenantId, ['DR.Reader']);
    const api = `${runtime.api}/tenants/${tenantId}/activations`;
    const report = (await call(`${api}/${activationId}`, { token: reader })).body;
    expect(report).toMatchObject({
      state: 'completed',
      counts: { recovered: devices },
      percentComplete: 100,
    });
    const recoveredRow = await page.locator('[data-state="recovered"]').innerText();
    expect(recoveredRow).toContain(String(report.counts.recovered));
    expect((await call(api, { token: reader })).body.items).toHaveLength(1);

    await page.getByRole('button', { name: 'Deactivate', exact: true }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.getByText('Nothing users did on their temporary Cloud PCs is kept.').waitFor();
    await look('deactivate-dialog');
    await dialog.getByRole('button', { name: 'Deactivate and delete temporary Cloud PCs' }).click();
    await expect.poll(() => state.innerText(), { timeout: 120_000, interval: 1_000 }).toBe('Deactivated');
    expect((await call(`${api}/${activationId}`, { token: reader })).body.state).toBe('deactivated');
    await look('deactivated');

    await openSection(page, 'Audit');
    const trail = page.getByRole('table', { name: 'Audit records' });
    await trail.waitFor();
    await expect.poll(() => trail.innerText()).toContain('activateRecovery');
    expect(await trail.innerText()).toContain('deactivateRecovery');
    await look('audit');
    await signOut(page);
  }, 300_000);

  it('a reader finds activation disabled, with the role it needs', async () => {
    await signIn(page, runtime.url, 'DR.Reader', 'auditor@contoso.test', tenantId);
    await openSection(page, 'Disaster recovery');
    const activate = page.getByRole('button', { name: 'Activate disaster recovery' });
    await activate.waitFor();
    expect(await activate.isDisabled()).toBe(true);
    const reason = await activate.getAttribute('aria-describedby');
    expect(await page.locator(`[id="${reason}"]`).innerText()).toBe('Requires the DR.Operator role');
    await look('activations-as-reader');
  }, 60_000);

  it('is usable at phone width: every page fits the screen and passes the same check', async () => {
    const phone = await openPage(browser, { width: 390, height: 844 });
    await signIn(phone, runtime.url, 'DR.Operator', 'oncall@contoso.test', tenantId);
    const list = await call(`${runtime.api}/tenants/${tenantId}/activations`, {
      token: await runtime.env.token(tenantId, ['DR.Reader']),
    });
    const activationId = String(list.body.items[0].id);
    for (const [name, hash, role, ready] of [
      ['fleet', '#/fleet', 'table', 'Devices per compliance status'],
      ['devices', '#/devices', 'link', 'cpc-0001'],
      ['device', '#/devices/cpc-0001', 'table', 'Restore points, newest first'],
      ['activations', '#/activations', 'table', 'Activations, newest first'],
      ['activation', `#/activations/${activationId}`, 'table', 'Devices per state'],
      ['audit', '#/audit', 'table', 'Audit records'],
      ['policies', '#/policies', 'table', 'Policies'],
    ] as const) {
      await phone.goto(`${runtime.url}${hash}`);
      await phone.getByRole(role, { name: ready, exact: true }).waitFor();
      await phone.waitForFunction("document.getAnimations().every((a) => a.playState !== 'running')");
      accessibility[`phone-${name}`] = await seriousAccessibilityViolations(phone);
      await screenshot(phone, `phone-${name}`);
      // Wide tables scroll inside their own box; the page itself never scrolls sideways.
      expect(await phone.evaluate<number>('document.documentElement.scrollWidth'), name).toBeLessThanOrEqual(
        390,
      );
    }
    await phone.context().close();
  }, 120_000);

  it('had no serious accessibility problem on any page, and no answer longer than a page', () => {
    expect(Object.keys(accessibility).length).toBeGreaterThanOrEqual(19);
    expect(Object.entries(accessibility).filter(([, violations]) => violations.length > 0)).toEqual([]);
    expect(answers.length).toBeGreaterThan(20);
    const pageSizeOf = (url: string) => Number(new URL(url).searchParams.get('pageSize') ?? 100);
    expect(answers.filter((a) => a.items > pageSizeOf(a.url))).toEqual([]);
  });
});
