/**
 * One cold load of a portal page, timed in the browser: a new context (empty HTTP cache, so the
 * HTML, the scripts and the API's answers are all fetched) holding the session the development
 * sign-in gave, navigated to `#/devices` (as it opens, or filtered to breached devices sorted by
 * their last verified point) or `#/fleet`. The time is the page's own clock
 * (`performance.now()`, from the navigation's start) when the page is ready, looked at every
 * animation frame:
 * - Devices: the first page's table has rows whose device links are rendered and its load is
 *   over ("Next page" enabled when there are more pages: checked by the caller). Then "Next page" is
 *   clicked and the second page timed from the click to its rows (its first device shown): proof
 *   the page responds, and the cost of a continuation.
 * - Fleet: the counts per compliance status are shown (both compliance requests answered).
 * Every `/api/` answer is recorded (`PageAnswers`), with how long each list request took.
 */
import type { Browser, Page } from 'playwright-core';
import { PageAnswers } from '../test/support/pageAnswers';

export type PortalPage = 'devices' | 'devices-filtered' | 'fleet';

/** Where each page is: the Devices page as it opens, and filtered to breached devices, oldest point first. */
export const pageHash: Record<PortalPage, string> = {
  devices: '#/devices',
  'devices-filtered': '#/devices?status=breached&sort=lastVerifiedAt',
  fleet: '#/fleet',
};

export interface PageSample {
  /** Navigation start → ready, ms; undefined when the page was not ready within the wait. */
  readyMs?: number;
  /** Devices: the click on "Next page" → the second page's rows, ms. */
  nextPageMs?: number;
  /** Each list request's time in the browser (request sent → last byte), ms, by path kind. */
  apiMs: Record<string, number[]>;
  /** What the page showed, checked by the caller (device ids on page 1, or the counts table). */
  shown: string[];
  error?: string;
}

/** In-page expressions (this file is compiled without the DOM's types). */
/**
 * The first page's device links are rendered and its load is over (no spinner: "Next page" is
 * enabled now if the answer had a continuation token).
 */
const devicesReady = `(() => {
  const table = document.querySelector('table[aria-label="Devices, page 1"]');
  const link = table && table.querySelector('tbody a[href]');
  const ready = link && link.getClientRects().length > 0 && !document.querySelector('.fui-Spinner');
  return ready ? performance.now() : false;
})()`;

const nextEnabled = `(() => {
  const next = document.querySelector('button[aria-label="Next page"]');
  return Boolean(next && !next.disabled && next.getAttribute('aria-disabled') !== 'true');
})()`;

/**
 * The second page's rows are shown: its first device is not the first page's `firstId`. (While
 * the page loads, the table is already captioned page 2 but still shows the first page's rows.)
 */
const secondPageShown = (firstId: string) => `(() => {
  const table = document.querySelector('table[aria-label="Devices, page 2"]');
  const link = table && table.querySelector('tbody a[href]');
  return link && link.textContent !== ${JSON.stringify(firstId)} && link.getClientRects().length > 0
    ? performance.now() - window.__nextClickedAt
    : false;
})()`;

const clickNext = `(() => {
  window.__nextClickedAt = performance.now();
  document.querySelector('button[aria-label="Next page"]').click();
})()`;

const fleetReady = `(() => {
  const table = document.querySelector('table[aria-label="Devices per compliance status"]');
  return table && table.getClientRects().length > 0 ? performance.now() : false;
})()`;

/** Which list a request to `path` reads, for the API timings. */
function kindOf(path: string): string | undefined {
  if (/\/tenants\/[^/]+\/devices$/.test(path)) return 'devices';
  if (/\/tenants\/[^/]+\/compliance$/.test(path)) return 'compliance';
  return undefined;
}

async function ready(page: Page, expression: string, timeoutMs: number): Promise<number> {
  const handle = await page.waitForFunction(expression, undefined, { polling: 'raf', timeout: timeoutMs });
  return (await handle.jsonValue()) as number;
}

export async function loadPageCold(
  browser: Browser,
  o: {
    url: string;
    which: PortalPage;
    /** The sessionStorage of a signed-in tab: the session the portal keeps. */
    session: Record<string, string>;
    answers: PageAnswers;
    timeoutMs: number;
  },
): Promise<PageSample> {
  // CSP bypassed only so the probes' expressions can be evaluated (the portal's policy forbids eval).
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
  const apiMs: Record<string, number[]> = {};
  try {
    await context.addInitScript(
      `for (const [k, v] of Object.entries(${JSON.stringify(o.session)})) if (sessionStorage.getItem(k) === null) sessionStorage.setItem(k, v);`,
    );
    const page = await context.newPage();
    o.answers.watch(page);
    page.on('requestfinished', (request) => {
      const kind = kindOf(new URL(request.url()).pathname);
      const timing = request.timing();
      if (kind && timing.responseEnd >= 0) (apiMs[kind] ??= []).push(timing.responseEnd);
    });
    await page.goto(`${o.url}${pageHash[o.which]}`, { waitUntil: 'commit' });
    if (o.which === 'fleet') {
      const readyMs = await ready(page, fleetReady, o.timeoutMs);
      const shown = await page
        .getByRole('table', { name: 'Devices per compliance status' })
        .locator('tbody tr')
        .allInnerTexts();
      await o.answers.settled();
      return { readyMs, apiMs, shown };
    }
    const readyMs = await ready(page, devicesReady, o.timeoutMs);
    const shown = await page
      .getByRole('table', { name: 'Devices, page 1' })
      .getByRole('link')
      .allInnerTexts();
    // One page only (a small fleet, a short filter): nothing more to click.
    if (!(await page.evaluate<boolean>(nextEnabled))) return { readyMs, apiMs, shown };
    await page.evaluate(clickNext);
    const nextPageMs = await ready(page, secondPageShown(shown[0] ?? ''), o.timeoutMs);
    await o.answers.settled();
    return { readyMs, nextPageMs, apiMs, shown };
  } catch (err) {
    return { apiMs, shown: [], error: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  } finally {
    await context.close();
  }
}

/** Signs in through the portal's development sign-in and returns the tab's sessionStorage. */
export async function signedInSession(
  browser: Browser,
  url: string,
  signIn: (page: Page) => Promise<void>,
): Promise<Record<string, string>> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    await signIn(page);
    return await page.evaluate<Record<string, string>>('Object.fromEntries(Object.entries(sessionStorage))');
  } finally {
    await context.close();
  }
}
