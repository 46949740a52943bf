/**
 * `npm run bench -- --only portal [--devices 50000] [--runs 10] [--portal-dir DIR]`: the admin
 * portal's first pages at fleet scale. One tenant's fleet is written into Cosmos DB as the product
 * stores it (portalFleet.ts), the control plane runs as under `npm start` with the portal built
 * into a folder of the benchmark's own (portalEnvironment.ts), a DR.Reader signs in through the
 * development sign-in in Debian's Chromium, and then each page — Devices as it opens, Devices
 * filtered to breached devices sorted by their oldest point, the Fleet overview — is loaded cold,
 * once unmeasured and `runs` times measured (portalProbe.ts). Writes `<results>/portal-<ISO timestamp>.json` and
 * `<results>/portal-latest.md`; fails when a page was not ready in a run, showed the wrong rows or
 * counts, or any API answer held more than the page size its request asked for.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import * as prettier from 'prettier';
import { launchBrowser } from '../test/support/browser';
import { PageAnswers } from '../test/support/pageAnswers';
import { signIn } from '../test/support/portalSteps';
import { commitInfo, machineInfo } from './machine';
import { startPortalEnvironment } from './portalEnvironment';
import { portalDevice, portalDeviceId, seedPortalFleet, type PortalFleet } from './portalFleet';
import { loadPageCold, signedInSession, type PageSample, type PortalPage } from './portalProbe';
import {
  formatPortalReport,
  groupAnswers,
  readyTargetMs,
  spread,
  type PageFigures,
  type PortalReport,
} from './portalReport';
import { resultFileName } from './reportFiles';
import { round } from './stats';

export interface PortalRunOptions {
  devices: number;
  runs: number;
  portalDir?: string;
  resultsDir: string;
  /** Longest wait for a page to be ready before the run counts as failed (default 60 s). */
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** The Devices page's default page size (portal/src/logic/deviceListView.ts). */
const devicesPageSize = 50;

/** Why a sample does not show what the fleet holds, or undefined when it does. */
function wrongContent(
  which: PortalPage,
  sample: PageSample,
  fleet: PortalFleet,
  tenantId: string,
  seededAt: Date,
): string | undefined {
  if (which === 'devices-filtered') {
    // The oldest breached point first (ties in any order): the first shown has the oldest time.
    const breached = new Map<string, number>();
    fleet.ids.forEach((id, i) => {
      const { device, status } = portalDevice(tenantId, i, seededAt);
      if (status === 'breached') breached.set(id, Date.parse(device.lastVerifiedAt!));
    });
    const oldest = Math.min(...breached.values());
    const first = sample.shown[0] ?? '';
    return sample.shown.length === Math.min(devicesPageSize, breached.size) &&
      sample.shown.every((id) => breached.has(id)) &&
      breached.get(first) === oldest
      ? undefined
      : `the breached page showed ${sample.shown.length} devices from ${first}, not the oldest breached first`;
  }
  if (which === 'devices') {
    const expected = Array.from({ length: Math.min(devicesPageSize, fleet.ids.length) }, (_, i) =>
      portalDeviceId(i),
    );
    return sample.shown.join() === expected.join()
      ? undefined
      : `page 1 showed ${sample.shown.length} devices from ${sample.shown[0]}, not ${expected[0]}…`;
  }
  const row = sample.shown.find((r) => r.startsWith('Protected'));
  const count = Number(/^Protected\s+([\d,]+)/.exec(row ?? '')?.[1]?.replace(/,/g, ''));
  return count === fleet.byStatus.protected
    ? undefined
    : `the fleet showed ${JSON.stringify(row)}, not ${fleet.byStatus.protected} protected`;
}

/** Whether the list holds more than one page (so "Next page" must be enabled once it is loaded). */
function morePages(which: PortalPage, fleet: PortalFleet): boolean {
  return (which === 'devices' ? fleet.ids.length : fleet.byStatus.breached) > devicesPageSize;
}

async function measurePage(
  browser: Browser,
  which: PortalPage,
  o: {
    url: string;
    session: Record<string, string>;
    answers: PageAnswers;
    runs: number;
    timeoutMs: number;
    tenantId: string;
    seededAt: Date;
  },
  fleet: PortalFleet,
  log: (line: string) => void,
): Promise<PageFigures> {
  const load = () => loadPageCold(browser, { ...o, which });
  const warmup = await load();
  log(`[bench]   ${which}: warm-up ${warmup.readyMs?.toFixed(0) ?? warmup.error} ms`);
  const samples: PageSample[] = [];
  const failures: string[] = [];
  for (let run = 1; run <= o.runs; run++) {
    const sample = await load();
    samples.push(sample);
    const problem =
      sample.error ??
      wrongContent(which, sample, fleet, o.tenantId, o.seededAt) ??
      (which !== 'fleet' && sample.nextPageMs === undefined && morePages(which, fleet)
        ? '"Next page" was not enabled with more devices to show'
        : undefined);
    if (problem) failures.push(`run ${run}: ${problem}`);
    log(
      `[bench]   ${which} run ${run}: ready ${sample.readyMs?.toFixed(0) ?? 'never'} ms` +
        (sample.nextPageMs !== undefined ? `, next page ${sample.nextPageMs.toFixed(0)} ms` : '') +
        (problem ? ` (${problem})` : ''),
    );
  }
  const measured = (pick: (s: PageSample) => number | undefined) =>
    samples.map(pick).filter((v): v is number => v !== undefined);
  const kinds = [...new Set(samples.flatMap((s) => Object.keys(s.apiMs)))];
  return {
    page: which,
    runs: o.runs,
    warmup,
    samples,
    readyMs: spread(measured((s) => s.readyMs)),
    nextPageMs: spread(measured((s) => s.nextPageMs)),
    apiMs: Object.fromEntries(kinds.map((k) => [k, spread(samples.flatMap((s) => s.apiMs[k] ?? []))])),
    failures,
  };
}

export async function runPortalBenchmark(
  o: PortalRunOptions,
): Promise<{ table: string; jsonFile: string; markdownFile: string }> {
  const log = o.log ?? ((line: string) => console.log(line));
  const startedAt = new Date();
  const loadAtStart = loadavg();
  const commit = commitInfo(join(__dirname, '..'));
  const timeoutMs = o.timeoutMs ?? 60_000;
  await mkdir(o.resultsDir, { recursive: true });
  const jsonFile = join(o.resultsDir, `portal-${resultFileName(startedAt)}`);
  const markdownFile = join(o.resultsDir, 'portal-latest.md');

  log(`[bench] portal: N = ${o.devices}, ${o.runs} cold loads of each page`);
  const env = await startPortalEnvironment({ ...(o.portalDir ? { portalDir: o.portalDir } : {}), log });
  let browser: Browser | undefined;
  try {
    const tenantId = randomUUID();
    const seedStarted = performance.now();
    const seededAt = new Date();
    const fleet = await seedPortalFleet({ tenantId, devices: o.devices, now: seededAt, log });
    const seedMs = performance.now() - seedStarted;
    log(
      `[bench]   ${o.devices} devices seeded in ${(seedMs / 1000).toFixed(1)} s (Cosmos writes ${(fleet.writeMs / 1000).toFixed(1)} s): ${JSON.stringify(fleet.byStatus)}`,
    );

    browser = await launchBrowser();
    const session = await signedInSession(browser, env.url, (page) =>
      signIn(page, env.url, 'DR.Reader', 'reader@contoso.test', tenantId),
    );
    const answers = new PageAnswers();
    const common = { url: env.url, session, answers, runs: o.runs, timeoutMs, tenantId, seededAt };
    const pages: PageFigures[] = [];
    for (const which of ['devices', 'devices-filtered', 'fleet'] as const)
      pages.push(await measurePage(browser, which, common, fleet, log));

    const groups = groupAnswers(answers.answers);
    const overPage = answers.overPage();
    const report: PortalReport = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: machineInfo(loadAtStart),
      commit,
      settings: { devices: o.devices, runs: o.runs, portalDir: env.portalDir, timeoutMs },
      setup: {
        emulatorsSeconds: round(env.emulatorsMs / 1000, 1),
        portalBuildSeconds: round(env.buildMs / 1000, 1),
        seedSeconds: round(seedMs / 1000, 1),
        cosmosWriteSeconds: round(fleet.writeMs / 1000, 1),
        byStatus: fleet.byStatus,
      },
      pages,
      answers: groups,
      targets: [
        ...pages.map((p) => ({
          name: `${p.page}: cold load to ready, p95 of ${p.runs}`,
          target: `< ${readyTargetMs} ms`,
          value: p.readyMs.p95 ?? Number.NaN,
          met: p.failures.length === 0 && p.readyMs.p95 !== undefined && p.readyMs.p95 < readyTargetMs,
        })),
        {
          name: 'API answers holding more than the page size asked for',
          target: '0',
          value: overPage.length,
          met: overPage.length === 0,
        },
      ],
    };
    const table = formatPortalReport(report);
    // Printed as the repository's Prettier settings print JSON, so `npm run lint` passes on it.
    const json = `${JSON.stringify({ ...report, overPage, unread: answers.unread() }, null, 2)}\n`;
    await writeFile(
      jsonFile,
      await prettier.format(json, { ...(await prettier.resolveConfig(jsonFile)), parser: 'json' }),
    );
    await writeFile(markdownFile, `${table}\n\nFrom ${jsonFile}\n`);
    const failures = pages.flatMap((p) => p.failures.map((f) => `${p.page} ${f}`));
    if (overPage.length > 0)
      failures.push(
        `${overPage.length} API answer(s) held more than a page: ${overPage.map((a) => `${a.url} (${a.longestPage} > ${a.pageSize})`).join(', ')}`,
      );
    if (failures.length > 0)
      throw new Error(`The portal benchmark failed: ${failures.join('; ')}; see ${jsonFile}\n${table}`);
    return { table, jsonFile, markdownFile };
  } finally {
    await browser?.close();
    await env.stop();
  }
}
