/** The benchmark's report: the machine and commit it ran on, and its figures as a table. */
import { execFileSync } from 'node:child_process';
import { arch, cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { basename } from 'node:path';
import type { BenchmarkReport, RunFailure, RunFigures, SizeResult } from './harness';

export interface MachineInfo {
  cpus: number;
  model: string;
  memoryBytes: number;
  node: string;
  os: string;
  /** 1, 5 and 15-minute load averages as the benchmark started and ended: other work on the machine skews every figure. */
  loadAverage: { atStart: number[]; atEnd: number[] };
}

export interface CommitInfo {
  sha: string;
  /** Uncommitted changes in the working tree when the benchmark ran. */
  dirty: boolean;
}

export function machineInfo(loadAtStart: readonly number[]): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    model: list[0]?.model.trim() ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    os: `${osType()} ${release()} ${arch()}`,
    loadAverage: { atStart: loadAtStart.map(twoDecimals), atEnd: loadavg().map(twoDecimals) },
  };
}

function twoDecimals(n: number): number {
  return Math.round(n * 100) / 100;
}

/** `git rev-parse HEAD` and whether `git status --porcelain` shows anything; read-only. */
export function commitInfo(cwd: string): CommitInfo {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return { sha: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain').length > 0 };
  } catch {
    return { sha: 'unknown', dirty: true };
  }
}

/** `2026-03-02T10-15-00.123Z.json`: the ISO time, with `-` for `:` so any file system takes it. */
export function resultFileName(at: Date): string {
  return `${at.toISOString().replace(/:/g, '-')}.json`;
}

const columns: { title: string; value: (m: RunFigures) => string }[] = [
  { title: 'cycle s', value: (m) => fixed(m.cycleSeconds, 1) },
  { title: 'first s', value: (m) => fixed(m.timeToFirstSeconds, 2) },
  { title: 'points/s', value: (m) => fixed(m.restorePointsPerSecond, 1) },
  { title: 'floor points/s', value: (m) => fixed(m.floorRestorePointsPerSecond, 1) },
  { title: 'cycle ÷ floor', value: (m) => fixed(m.cycleToFloorRatio, 2) },
  { title: 'Cosmos req/device', value: (m) => fixed(m.cosmosRequestsPerDevice, 2) },
  {
    title: 'storage req/device (floor)',
    value: (m) => `${fixed(m.storageRequestsPerDevice, 2)} (${fixed(m.floorStorageRequestsPerDevice, 2)})`,
  },
  {
    title: 'peak RSS MiB: control plane / Azurite / Cosmos',
    value: (m) =>
      [m.controlPlanePeakRssMiB, m.azuritePeakRssMiB, m.cosmosPeakRssMiB].map((v) => fixed(v, 0)).join(' / '),
  },
  {
    title: 'compliance p50 / p99 ms',
    value: (m) => `${fixed(m.complianceP50Ms, 1)} / ${fixed(m.complianceP99Ms, 1)}`,
  },
  { title: 'set-up s', value: (m) => fixed(m.fleetSetupSeconds, 1) },
];

const titles = ['devices', 'runs', ...columns.map((c) => c.title)];

/** One row per size: its medians, or dashes when no run finished. */
function cells(size: SizeResult): string[] {
  const tried = size.runs.length + size.failures.length;
  const runs = size.failures.length > 0 ? `${size.runs.length} of ${tried}` : String(tried);
  const m = size.median;
  return [thousands(size.devices), runs, ...columns.map((c) => (m ? c.value(m) : '—'))];
}

export function formatTable(report: BenchmarkReport): string {
  const rows = [titles, ...report.sizes.map(cells)];
  const widths = titles.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    line(rows[0]!),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(1).map(line),
    '',
    ...notes(report),
  ].join('\n');
}

export function formatMarkdown(report: BenchmarkReport, jsonFile: string): string {
  const rows = report.sizes.map((s) => `| ${cells(s).join(' | ')} |`);
  const { machine, commit } = report;
  return [
    '# Protection-cycle benchmark: latest run',
    '',
    `${report.startedAt} on ${machine.cpus} × ${machine.model}, ${(machine.memoryBytes / 2 ** 30).toFixed(0)} GiB, Node ${machine.node}, ${machine.os}, load average ${machine.loadAverage.atStart[0]} at the start and ${machine.loadAverage.atEnd[0]} at the end; ` +
      `commit \`${commit.sha.slice(0, 12)}\`${commit.dirty ? ' (working tree with uncommitted changes)' : ''}. Every figure: \`${basename(jsonFile)}\`.`,
    '',
    `| ${titles.join(' | ')} |`,
    `|${titles.map((_, i) => (i === 0 ? ' ---: ' : ' --- ')).join('|')}|`,
    ...rows,
    '',
    ...notes(report).map((n) => (n.startsWith('  ') ? `  - ${n.trim()}` : `- ${n}`)),
    '',
    'Medians of the runs (each ratio from one run, on one machine). The cycle: from `scheduler.run` with all N devices due to the N-th verified ' +
      'restore point recorded. The floor: the same per-device storage and queue calls issued bare at the same concurrency, no control plane. ' +
      'Requests per device are counted during each phase; the benchmark’s own probes are excluded. Peak RSS: the cycle’s peak of each process.',
    '',
  ].join('\n');
}

function notes(report: BenchmarkReport): string[] {
  const lines = report.sizes.flatMap((s) => [
    ...(s.median ? [rpoNote(s.devices, s.median)] : []),
    ...s.failures.map((f) => failureNote(s.devices, f)),
  ]);
  const targets = report.targets;
  if (targets) {
    const where = targets.indicative
      ? `Targets (set for N = ${thousands(targets.appliesAt)}; indicative only, measured at N = ${thousands(targets.measuredAt)}):`
      : `Targets at N = ${thousands(targets.appliesAt)}:`;
    lines.push(where);
    for (const check of targets.checks)
      lines.push(
        `  ${check.met ? 'met' : 'MISSED'}: ${check.name} ${check.target}, measured ${fixed(check.value, 2)}`,
      );
  }
  return lines;
}

function failureNote(devices: number, failure: RunFailure): string {
  const rate =
    failure.restorePointsPerSecondSoFar !== undefined
      ? ` (${fixed(failure.restorePointsPerSecondSoFar, 2)} points/s until then)`
      : '';
  return `N = ${thousands(devices)}, run ${failure.run} did not finish: ${failure.error}${rate}`;
}

function rpoNote(devices: number, m: RunFigures): string {
  const minutes = m.cycleSeconds / 60;
  const time = minutes >= 1 ? `${minutes.toFixed(1)} min` : `${m.cycleSeconds.toFixed(1)} s`;
  return (
    `N = ${thousands(devices)}: the whole fleet due at once takes ${time}, ${(m.oneHourRpoShare * 100).toFixed(1)}% of a 1-hour RPO window; ` +
    `at ${m.restorePointsPerSecond.toFixed(1)} points/s one control plane keeps at most ~${thousands(m.devicesPerHourAtThisRate)} devices within a 1-hour RPO ` +
    `(the floor would allow ~${thousands(Math.round(m.floorRestorePointsPerSecond * 3600))}).`
  );
}

function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function fixed(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}
