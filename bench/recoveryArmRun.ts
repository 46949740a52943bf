/**
 * `npm run bench -- --only recovery-arm`: one `runRecoveryArm` per (devices, subscriptions) pair,
 * one after the other; prints a table and the sizing table the bound implies for 50,000 devices,
 * and writes `<results>/recovery-arm-<ISO timestamp>.json` (every figure, the commit, the machine).
 * Needs no emulators: the product's provider talks to the ARM double only (recoveryArm.ts).
 *
 * `--only recovery-arm-product`: the same recovery through the product's whole path
 * (recoveryArmProduct.ts: emulators, HTTP, the orchestration and the queue worker), one run per
 * device count on one subscription, in the same table and file (`recovery-arm-product-<timestamp>.json`).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  defaultRecoveryArmSettings,
  runRecoveryArm,
  type RecoveryArmResult,
  type RecoveryArmSettings,
} from './recoveryArm';
import {
  defaultRecoveryArmProductSettings,
  runRecoveryArmProduct,
  type RecoveryArmProductResult,
} from './recoveryArmProduct';
import { sizingTable } from './recoverySizing';

export interface RecoveryArmRunOptions {
  /** `direct`: the provider driven as RecoveryWorker drives it; `product`: the activation over HTTP. */
  path?: 'direct' | 'product';
  devices: number[];
  /** direct only: the product path runs on one subscription. */
  subscriptions: number[];
  timeScale?: number;
  concurrency?: number;
  timeoutMinutes?: number;
  resultsDir: string;
  log?: (line: string) => void;
}

function git(...args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const fmt = (x: number, digits = 0) =>
  Number.isFinite(x)
    ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';

export type RecoveryResult = RecoveryArmResult | RecoveryArmProductResult;

export function recoveryTable(results: RecoveryResult[]): string {
  const head =
    '| path | devices | S | scale | wall s | RTO s (sim) | first / median ready s | last VM PUT s | bound s | bound ÷ RTO | ARM calls/device (W / R / D) | 429s | over budget | recovered once |\n' +
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- | ---: | ---: | --- |';
  const rows = results.map((r) => {
    const c = r.armCallsPerDevice;
    return `| ${r.path} | ${fmt(r.settings.devices)} | ${r.settings.subscriptions} | ${r.settings.timeScale} | ${fmt(r.realSeconds, 1)} | ${fmt(r.rtoSeconds, 1)} | ${fmt(r.firstReadySeconds, 1)} / ${fmt(r.medianReadySeconds, 1)} | ${fmt(r.lastVmPutSeconds, 1)} | ${fmt(r.bound.seconds, 1)} (${r.bound.binding}) | ${fmt(r.boundRatio, 3)} | ${fmt(c.write, 2)} / ${fmt(c.read, 2)} / ${fmt(c.delete, 2)} | ${r.throttled.arm + r.throttled.computePutVm} | ${r.overBudget} | ${r.exactlyOnce.ok ? 'yes' : 'NO'} (${r.devices.ready} ready, ${r.devices.failed} failed) |`;
  });
  return [head, ...rows].join('\n');
}

export function sizingMarkdown(devices = 50_000): string {
  const head =
    '| target | host pool | smallest S | bound s at S | bound s at S − 1 |\n| --- | --- | ---: | ---: | ---: |';
  const rows = sizingTable(devices).map(
    (r) =>
      `| ${r.target} | ${r.hostPool ? 'yes' : 'no'} | ${r.subscriptions ?? 'none'} | ${fmt(r.boundSeconds ?? Number.NaN, 1)} | ${fmt(r.oneFewerSeconds ?? Number.NaN, 1)} |`,
  );
  return [head, ...rows].join('\n');
}

export async function runRecoveryArmBenchmark(
  o: RecoveryArmRunOptions,
): Promise<{ table: string; jsonFile: string }> {
  const log = o.log ?? ((line: string) => console.log(line));
  const path = o.path ?? 'direct';
  if (path === 'product' && o.subscriptions.some((n) => n !== 1))
    throw new RangeError('The product path runs on one subscription: --subscriptions 1');
  const results: RecoveryResult[] = [];
  const failures: { devices: number; subscriptions: number; error: string }[] = [];
  const started = new Date().toISOString();
  const stamp = started.replace(/:/g, '-');
  // Another change to the pacer may be in the working tree: the figures measure whatever is there.
  const pacerChanges = git('diff', '--stat', 'HEAD', '--', 'src/adapters/arm/pacing');
  await mkdir(o.resultsDir, { recursive: true });
  const jsonFile = join(o.resultsDir, `recovery-arm${path === 'product' ? '-product' : ''}-${stamp}.json`);
  const save = async () =>
    await writeFile(
      jsonFile,
      JSON.stringify(
        {
          commit: git('rev-parse', 'HEAD'),
          dirty: git('status', '--porcelain') !== '',
          started,
          pacerChanges,
          machine: {
            cpus: cpus().length,
            model: cpus()[0]?.model,
            memoryGiB: totalmem() / 2 ** 30,
            loadavg: loadavg(),
          },
          results,
          failures,
        },
        null,
        1,
      ),
    );
  for (const devices of o.devices)
    for (const subscriptions of o.subscriptions) {
      try {
        const r =
          path === 'product'
            ? await runProduct(o, devices, log)
            : await runDirect(o, devices, subscriptions, log);
        results.push(r);
        log(
          `[bench]   RTO ${r.rtoSeconds} simulated s (${r.realSeconds} real s), bound ${r.bound.seconds} s (${r.bound.binding}), ratio ${r.boundRatio}, ` +
            `${r.armCallsPerDevice.total} ARM calls/device, 429s ${r.throttled.arm + r.throttled.computePutVm}, over budget ${r.overBudget}`,
        );
      } catch (err) {
        failures.push({
          devices,
          subscriptions,
          error: err instanceof Error ? (err.stack ?? err.message) : String(err),
        });
        log(`[bench]   failed: ${failures.at(-1)!.error}`);
      }
      await save();
    }
  const table = `${recoveryTable(results)}\n\nSizing for 50,000 devices (computed by the bound model, not measured):\n\n${sizingMarkdown()}`;
  if (failures.length > 0)
    throw new Error(`${failures.length} recovery-arm run(s) failed; see ${jsonFile}\n${table}`);
  return { table, jsonFile };
}

async function runDirect(
  o: RecoveryArmRunOptions,
  devices: number,
  subscriptions: number,
  log: (line: string) => void,
): Promise<RecoveryArmResult> {
  const settings: RecoveryArmSettings = {
    ...defaultRecoveryArmSettings,
    devices,
    subscriptions,
    ...(o.timeScale ? { timeScale: o.timeScale } : {}),
    ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    ...(o.timeoutMinutes ? { timeoutMinutes: o.timeoutMinutes } : {}),
    log,
  };
  log(`[bench] recovery-arm: N = ${devices}, S = ${subscriptions}, time scale ${settings.timeScale}`);
  return await runRecoveryArm(settings);
}

async function runProduct(
  o: RecoveryArmRunOptions,
  devices: number,
  log: (line: string) => void,
): Promise<RecoveryArmProductResult> {
  const settings = {
    ...defaultRecoveryArmProductSettings,
    devices,
    ...(o.timeScale ? { timeScale: o.timeScale } : {}),
    ...(o.timeoutMinutes ? { timeoutMinutes: o.timeoutMinutes } : {}),
    log,
  };
  log(`[bench] recovery-arm-product: N = ${devices}, S = 1, time scale ${settings.timeScale}`);
  return await runRecoveryArmProduct(settings);
}
