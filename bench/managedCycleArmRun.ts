/**
 * `npm run bench -- --only managed-cycle-arm`: one `runManagedCycleArm` per (devices,
 * subscriptions) pair, one after the other; prints a table with the subscriptions a 50,000-device
 * fleet needs, and writes `<results>/managed-cycle-arm-<ISO timestamp>.json` (every figure, the
 * commit, the machine). Needs no Cosmos DB: the product's managed-disk parts are driven directly
 * (managedCycleArm.ts); the catalogue is on Azurite unless `catalogue` says otherwise.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  defaultManagedCycleArmSettings,
  runManagedCycleArm,
  type ManagedArmCycleReport,
  type ManagedCycleArmResult,
  type ManagedCycleArmSettings,
} from './managedCycleArm';

export interface ManagedCycleArmRunOptions {
  devices: number[];
  subscriptions: number[];
  timeScale?: number;
  concurrency?: number;
  timeoutMinutes?: number;
  catalogue?: 'azurite' | 'memory';
  /** The ARM double and the catalogue stand-in in a thread of their own. */
  threaded?: boolean;
  diskGiB?: number;
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

function calls(c: ManagedArmCycleReport['armCallsPerDevice']): string {
  return `${fmt(c.write, 2)} / ${fmt(c.read, 2)} / ${fmt(c.delete, 2)}`;
}

export function managedCycleArmTable(results: ManagedCycleArmResult[]): string {
  const head =
    '| devices | S | scale | catalogue | seeding s sim (real) | bound s | bound ÷ measured | steady s sim (real) | bound s | bound ÷ measured | ARM calls/device seeding; steady (W / R / D) | 429s / over budget / max copies | handler lateness p99 s (sim) | one snapshot and one copy per slot |\n' +
    '| ---: | ---: | ---: | --- | --- | ---: | ---: | --- | ---: | ---: | --- | --- | --- | --- |';
  const rows = results.map((r) => {
    const { seeding: a, steady: b, checks } = r;
    const cycle = (c: ManagedArmCycleReport) =>
      `${fmt(c.simulatedSeconds, 1)} (${fmt(c.realSeconds, 1)}) | ${fmt(c.bound.seconds, 1)} (${c.bound.binding}) | ${fmt(c.boundRatio, 3)}`;
    return (
      `| ${fmt(r.settings.devices)} | ${r.settings.subscriptions} | ${r.settings.timeScale} | ${r.settings.catalogue} | ` +
      `${cycle(a)} | ${cycle(b)} | ${calls(a.armCallsPerDevice)}; ${calls(b.armCallsPerDevice)} | ` +
      `${a.throttled.arm + b.throttled.arm} / ${a.overBudget + b.overBudget} / ${checks.maxCopiesInFlight} | ` +
      `${fmt(a.lateness.p99, 2)}; ${fmt(b.lateness.p99, 2)} | ` +
      `${checks.perSlot.exactlyOne === checks.perSlot.slots ? 'yes' : 'NO'} (${fmt(checks.perSlot.exactlyOne)} of ${fmt(checks.perSlot.slots)}; recorded ${fmt(a.recorded)}, ${fmt(b.recorded)}) |`
    );
  });
  return [head, ...rows].join('\n');
}

export function subscriptionsLine(results: ManagedCycleArmResult[]): string {
  const sizing = results[0]?.fleetSubscriptions ?? [];
  return sizing
    .map(
      (f) =>
        `${f.rpoHours}-h RPO: ${f.subscriptions} subscriptions per backup region (${f.binding}, copies of ${f.copyMinutes} min)`,
    )
    .join('; ');
}

export async function runManagedCycleArmBenchmark(
  o: ManagedCycleArmRunOptions,
): Promise<{ table: string; jsonFile: string }> {
  const log = o.log ?? ((line: string) => console.log(line));
  const results: ManagedCycleArmResult[] = [];
  const failures: { devices: number; subscriptions: number; error: string }[] = [];
  const started = new Date().toISOString();
  await mkdir(o.resultsDir, { recursive: true });
  const jsonFile = join(o.resultsDir, `managed-cycle-arm-${started.replace(/:/g, '-')}.json`);
  const save = async () =>
    await writeFile(
      jsonFile,
      JSON.stringify(
        {
          commit: git('rev-parse', 'HEAD'),
          dirty: git('status', '--porcelain') !== '',
          started,
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
      const base = defaultManagedCycleArmSettings;
      const settings: ManagedCycleArmSettings = {
        ...base,
        devices,
        subscriptions,
        ...(o.timeScale ? { timeScale: o.timeScale } : {}),
        ...(o.concurrency ? { concurrency: o.concurrency } : {}),
        ...(o.timeoutMinutes ? { timeoutMinutes: o.timeoutMinutes } : {}),
        ...(o.catalogue ? { catalogue: o.catalogue } : {}),
        ...(o.threaded ? { threaded: true } : {}),
        ...(o.diskGiB ? { model: { ...base.model, diskGiB: o.diskGiB } } : {}),
        log,
      };
      log(
        `[bench] managed-cycle-arm: N = ${devices}, S = ${subscriptions}, time scale ${settings.timeScale}, catalogue ${settings.catalogue}${settings.threaded ? ', the double in its own thread' : ''}`,
      );
      try {
        results.push(await runManagedCycleArm(settings));
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
  const table = `${managedCycleArmTable(results)}\n\nA 50,000-device fleet (armCapacity.ts's stated assumptions): ${subscriptionsLine(results)}`;
  if (failures.length > 0)
    throw new Error(`${failures.length} managed-cycle-arm run(s) failed; see ${jsonFile}\n${table}`);
  return { table, jsonFile };
}
