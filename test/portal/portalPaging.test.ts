/**
 * The portal loads one page of a list per request, never the whole fleet: in headless Chromium
 * against the embedded runtime, with 120 devices of a tenant (written as the product stores them,
 * bench/portalFleet.ts) and an activation whose 45 devices are all skipped, every `/api/` answer
 * the Devices, Fleet, Audit and activation pages get is intercepted and none holds a list longer
 * than the page size its request asked for (the API's default when it named none). "Next page"
 * sends the answer's continuation token and shows the next devices, none repeated; the Devices
 * page's filters and sort live in the URL's hash, so a reload keeps them. How fast is the
 * benchmark's business (`npm run bench -- --only portal`), not this test's.
 */
import { randomUUID } from 'node:crypto';
import type { Browser, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { portalDevice, seedPortalFleet, type PortalFleet } from '../../bench/portalFleet';
import { launchBrowser, openPage, screenshot } from '../support/browser';
import { eventually } from '../support/eventually';
import { call } from '../support/http';
import { PageAnswers } from '../support/pageAnswers';
import { startPortalRuntime, type PortalRuntime } from '../support/portalRuntime';
import { signIn } from '../support/portalSteps';

const tenantId = randomUUID();
const devices = 120;
/** The Devices page's default page size (portal/src/logic/deviceListView.ts). */
const devicesPageSize = 50;
/** Ids the activation names that are not devices: skipped as not found, with the fleet's unprotectable ones. */
/** Activation previews asked for, each leaving an audit record. */
const auditedPreviews = 30;
const unknownIds = Array.from({ length: 27 }, (_, i) => `gone-${String(i + 1).padStart(3, '0')}`);

describe('the portal pages its lists', () => {
  let runtime: PortalRuntime;
  let browser: Browser;
  let page: Page;
  let fleet: PortalFleet;
  let activationId: string;
  let skipped: number;
  const answers = new PageAnswers();
  const seededAt = new Date();

  beforeAll(async () => {
    // The protection cycle's timer is off: the seeded devices have no disks to copy.
    [runtime, browser] = await Promise.all([
      startPortalRuntime({ RESTORE_POINT_SCHEDULE: '0 0 0 1 1 *' }),
      launchBrowser(),
    ]);
    fleet = await seedPortalFleet({ tenantId, devices, now: seededAt });
    // An activation of the devices that cannot be recovered (never protected, unlicensed) and of
    // ids that are no devices: every one skipped, so it completes at once with a list to page.
    const unrecoverable = fleet.ids.filter((_, i) => {
      const { status } = portalDevice(tenantId, i, seededAt);
      return status === 'not-yet-protected' || status === 'unlicensed';
    });
    const deviceIds = [...unrecoverable, ...unknownIds];
    skipped = deviceIds.length;
    const operator = await runtime.env.token(tenantId, ['DR.Operator']);
    const started = await call(`${runtime.api}/tenants/${tenantId}/activations`, {
      method: 'POST',
      token: operator,
      headers: { 'idempotency-key': randomUUID() },
      json: { scope: { kind: 'devices', deviceIds } },
    });
    expect(started.status, started.text).toBe(202);
    activationId = started.body.id as string;
    await eventually(
      async () =>
        (await call(`${runtime.api}/tenants/${tenantId}/activations/${activationId}`, { token: operator }))
          .body?.state as string,
      (state) => state === 'completed',
      { timeoutMs: 30_000, intervalMs: 500 },
    );

    // More audit records than a page of 25: each preview is a mutating request, recorded once.
    for (let i = 0; i < auditedPreviews; i++) {
      const preview = await call(`${runtime.api}/tenants/${tenantId}/activation-previews`, {
        method: 'POST',
        token: operator,
        json: { scope: { kind: 'devices', deviceIds: [fleet.ids[i]] } },
      });
      expect(preview.status, preview.text).toBe(200);
    }

    page = await openPage(browser);
    await signIn(page, runtime.url, 'DR.Reader', 'reader@contoso.test', tenantId);
    answers.watch(page);
  }, 120_000);
  beforeEach((context) => {
    context.onTestFailed(
      async () => await screenshot(page, `paging-failed-${context.task.name.slice(0, 40)}`),
    );
  });
  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
  });

  /** The device ids shown in the Devices page's table of page `n`. */
  async function shownDevices(n: number): Promise<string[]> {
    const table = page.getByRole('table', { name: `Devices, page ${n}` });
    await table.waitFor();
    return await table.getByRole('link').allInnerTexts();
  }

  /** Waits for the answer to the next device-list request while `act` runs. */
  async function deviceListAnswer(act: () => Promise<unknown>): Promise<Response> {
    const [response] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === `/api/tenants/${tenantId}/devices`),
      act(),
    ]);
    return response;
  }

  it('shows the devices one page at a time; Next page sends the continuation token and repeats no device', async () => {
    const first = await deviceListAnswer(() => page.goto(`${runtime.url}#/devices`));
    expect(new URL(first.url()).searchParams.get('pageSize')).toBe(String(devicesPageSize));
    const firstToken = ((await first.json()) as { continuationToken?: string }).continuationToken;
    expect(firstToken).toBeTruthy();
    const pages = [await shownDevices(1)];
    expect(pages[0]).toHaveLength(devicesPageSize);

    for (const n of [2, 3]) {
      const previous = answers.to(`/tenants/${tenantId}/devices`).at(-1)!;
      const next = await deviceListAnswer(() => page.getByRole('button', { name: 'Next page' }).click());
      expect(new URL(next.url()).searchParams.get('continuationToken')).toBe(previous.continuationToken);
      // The table is captioned with the new page at once but keeps the last rows until they come.
      await expect.poll(async () => (await shownDevices(n))[0]).not.toBe(pages.at(-1)![0]);
      pages.push(await shownDevices(n));
    }
    // 50 + 50 + 20: the whole fleet once, in id order, and no page after the last.
    expect(pages.map((p) => p.length)).toEqual([50, 50, 20]);
    expect(pages.flat()).toEqual([...fleet.ids].sort());
    await expect.poll(() => page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    expect(answers.to(`/tenants/${tenantId}/devices`).at(-1)!.continuationToken).toBeUndefined();

    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => shownDevices(2)).toEqual(pages[1]);
  }, 60_000);

  it('keeps the filters and the sort in the URL: a reload shows the same list', async () => {
    // A fresh page: the previous test left this one on the list's last page.
    await page.goto(`${runtime.url}#/devices`);
    await page.reload();
    await shownDevices(1);
    await deviceListAnswer(() => page.getByLabel('Status').selectOption('breached'));
    const sorted = await deviceListAnswer(() => page.getByLabel('Sort by').selectOption('lastVerifiedAt'));
    const query = new URL(sorted.url()).searchParams;
    expect([query.get('status'), query.get('sort')]).toEqual(['breached', 'lastVerifiedAt']);
    expect(page.url()).toMatch(/#\/devices\?(?=.*status=breached)(?=.*sort=lastVerifiedAt)/);

    // The breached devices, oldest last verified point first, as the seed made them.
    const breached = fleet.ids
      .map((id, i) => ({ id, ...portalDevice(tenantId, i, seededAt) }))
      .filter((d) => d.status === 'breached')
      .sort((a, b) => Date.parse(a.device.lastVerifiedAt!) - Date.parse(b.device.lastVerifiedAt!))
      .map((d) => d.id);
    await expect.poll(() => shownDevices(1)).toEqual(breached);

    const reloaded = await deviceListAnswer(() => page.reload());
    const again = new URL(reloaded.url()).searchParams;
    expect([again.get('status'), again.get('sort')]).toEqual(['breached', 'lastVerifiedAt']);
    expect(await page.getByLabel('Status').inputValue()).toBe('breached');
    expect(await page.getByLabel('Sort by').inputValue()).toBe('lastVerifiedAt');
    await expect.poll(() => shownDevices(1)).toEqual(breached);
  }, 60_000);

  it('shows the fleet overview from summaries and one page of each attention list', async () => {
    await page.goto(`${runtime.url}#/fleet`);
    const counts = page.getByRole('table', { name: 'Devices per compliance status' });
    await counts.waitFor();
    const text = await counts.innerText();
    for (const [status, label] of [
      ['protected', 'Protected'],
      ['breached', 'Breached'],
    ] as const)
      expect(text).toMatch(new RegExp(`${label}\\s+${fleet.byStatus[status]}\\b`));
    await answers.settled();
    const compliance = answers.to(`/tenants/${tenantId}/compliance`);
    expect(compliance.length).toBeGreaterThan(0);
    // Each asked for a page (the summary comes with it); none fetched the fleet.
    expect(compliance.every((a) => a.askedPageSize)).toBe(true);
  }, 60_000);

  it('pages the audit trail', async () => {
    await page.goto(`${runtime.url}#/audit`);
    await page.getByRole('table').or(page.getByText('No records match these filters.')).first().waitFor();
    await answers.settled();
    const audit = answers.to(`/tenants/${tenantId}/audit`);
    expect(audit.length).toBeGreaterThan(0);
    expect(audit.every((a) => a.askedPageSize)).toBe(true);
  }, 60_000);

  it("pages an activation's skipped devices, 20 at a time", async () => {
    await page.goto(`${runtime.url}#/activations/${activationId}`);
    const table = page.getByRole('table', { name: 'Skipped devices' });
    await table.waitFor();
    const ids = () => table.locator('tbody tr td:first-child').allInnerTexts();
    const seen = [await ids()];
    for (const n of [2, 3]) {
      await page.getByRole('button', { name: 'Next page of skipped devices' }).click();
      await page.getByText(`Page ${n}`).waitFor();
      await expect.poll(async () => (await ids())[0]).not.toBe(seen.at(-1)![0]);
      seen.push(await ids());
    }
    expect(seen.map((p) => p.length)).toEqual([20, 20, skipped - 40]);
    // Every device the activation named, once.
    expect(new Set(seen.flat()).size).toBe(skipped);
    await answers.settled();
    const lists = answers.to(`/activations/${activationId}/devices`);
    expect(lists.map((a) => a.pageSize)).toEqual(lists.map(() => 20));
    expect(lists.map((a) => a.longestPage).slice(-3)).toEqual([20, 20, skipped - 40]);
  }, 60_000);

  it('got no answer holding more than the page size it asked for', async () => {
    await answers.settled();
    expect(answers.answers.length).toBeGreaterThan(10);
    expect(answers.overPage()).toEqual([]);
  });
});
