/** The benchmark's report as people read it: its figures as tables and notes, in text and Markdown. */
import { basename } from 'node:path';
import type { BenchmarkReport, RunFailure, RunResult, SizeResult, UnfinishedRun } from './benchmarkReport';
import type { ActivationFigures, CycleFigures, RunFigures } from './runFigures';

type Column = { title: string; value: (m: RunFigures) => string };

const columns: Column[] = [
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

const activationColumns: Column[] = [
  { title: 'activation s', value: (m) => fixed(m.activationSeconds, 1) },
  { title: 'first s', value: (m) => fixed(m.activationTimeToFirstSeconds, 2) },
  { title: 'devices/s', value: (m) => fixed(m.activationDevicesPerSecond, 1) },
  { title: 'floor devices/s', value: (m) => fixed(m.activationFloorDevicesPerSecond, 1) },
  { title: 'activation ÷ floor', value: (m) => fixed(m.activationToFloorRatio, 2) },
  {
    title: 'status p50 / p99 ms',
    value: (m) => `${fixed(m.activationStatusP50Ms, 1)} / ${fixed(m.activationStatusP99Ms, 1)}`,
  },
  { title: 'Cosmos req/device', value: (m) => fixed(m.activationCosmosRequestsPerDevice, 2) },
  {
    title: 'storage req/device (floor)',
    value: (m) =>
      `${fixed(m.activationStorageRequestsPerDevice, 2)} (${fixed(m.activationFloorStorageRequestsPerDevice, 2)})`,
  },
  {
    title: 'peak RSS MiB: control plane / Azurite / Cosmos',
    value: (m) =>
      [m.activationControlPlanePeakRssMiB, m.activationAzuritePeakRssMiB, m.activationCosmosPeakRssMiB]
        .map((v) => fixed(v, 0))
        .join(' / '),
  },
  { title: '50,000: share of 4-h RTO', value: (m) => percent(m.fourHourRtoShareAt50k) },
];

const deactivationColumns: Column[] = [
  { title: 'deactivation s', value: (m) => fixed(m.deactivationSeconds, 1) },
  { title: 'devices/s', value: (m) => fixed(m.deactivationDevicesPerSecond, 1) },
  { title: 'Cosmos req/device', value: (m) => fixed(m.deactivationCosmosRequestsPerDevice, 2) },
  { title: 'storage req/device', value: (m) => fixed(m.deactivationStorageRequestsPerDevice, 2) },
];

const managedColumns: Column[] = [
  {
    title: 'seeding s: simulated (real)',
    value: (m) => `${fixed(m.managedSeedingSimulatedSeconds, 0)} (${fixed(m.managedSeedingRealSeconds, 1)})`,
  },
  { title: 'seeding bound s', value: (m) => fixed(m.managedSeedingBoundSeconds, 0) },
  { title: 'bound ÷ measured', value: (m) => fixed(m.managedSeedingBoundRatio, 2) },
  { title: 'ARM calls/device', value: (m) => fixed(m.managedSeedingArmCallsPerDevice, 1) },
  {
    title: 'steady s: simulated (real)',
    value: (m) => `${fixed(m.managedSteadySimulatedSeconds, 0)} (${fixed(m.managedSteadyRealSeconds, 1)})`,
  },
  { title: 'steady bound s', value: (m) => fixed(m.managedSteadyBoundSeconds, 0) },
  { title: 'bound ÷ measured', value: (m) => fixed(m.managedSteadyBoundRatio, 2) },
  { title: 'ARM calls/device', value: (m) => fixed(m.managedSteadyArmCallsPerDevice, 1) },
  {
    title: '429s / over budget / max copies',
    value: (m) =>
      [m.managedThrottled, m.managedOverBudget, m.managedMaxCopiesInFlight]
        .map((v) => fixed(v, 0))
        .join(' / '),
  },
  {
    title: 'subscriptions for 50,000: 1 h / 4 h RPO',
    value: (m) =>
      `${fixed(m.managedSubscriptionsFor50kAt1h, 0)} / ${fixed(m.managedSubscriptionsFor50kAt4h, 0)}`,
  },
];

const tables: { heading: string; columns: Column[] }[] = [
  { heading: 'Protection cycle', columns },
  {
    heading: 'Activation of the primary region (simulated provider at zero latency)',
    columns: activationColumns,
  },
  { heading: 'Deactivation', columns: deactivationColumns },
  {
    heading:
      'Managed-disk cycle against the ARM double (simulated time = Azure time; documented limits, 429s enforced)',
    columns: managedColumns,
  },
];

function titlesOf(table: Column[]): string[] {
  return ['devices', 'runs', ...table.map((c) => c.title)];
}

/** One row per size: its medians, or dashes when no run finished. */
function cells(size: SizeResult, table: Column[]): string[] {
  const tried = size.runs.length + size.failures.length;
  const runs = size.failures.length > 0 ? `${size.runs.length} of ${tried}` : String(tried);
  const m = size.median;
  return [thousands(size.devices), runs, ...table.map((c) => (m ? c.value(m) : '—'))];
}

export function formatTable(report: BenchmarkReport): string {
  const blocks = tables.flatMap(({ heading, columns: table }) => {
    const titles = titlesOf(table);
    const rows = [titles, ...report.sizes.map((s) => cells(s, table))];
    const widths = titles.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) =>
      cells
        .map((cell, i) => (i === 0 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd();
    return [
      heading,
      '',
      line(rows[0]!),
      widths.map((w) => '-'.repeat(w)).join('  '),
      ...rows.slice(1).map(line),
      '',
    ];
  });
  return [...blocks, ...notes(report)].join('\n');
}

export function formatMarkdown(report: BenchmarkReport, jsonFile: string): string {
  const { machine, commit } = report;
  const blocks = tables.flatMap(({ heading, columns: table }) => {
    const titles = titlesOf(table);
    return [
      `## ${heading}`,
      '',
      `| ${titles.join(' | ')} |`,
      `|${titles.map((_, i) => (i === 0 ? ' ---: ' : ' --- ')).join('|')}|`,
      ...report.sizes.map((s) => `| ${cells(s, table).join(' | ')} |`),
      '',
    ];
  });
  return [
    '# Protection-cycle and activation benchmark: latest run',
    '',
    `${report.startedAt} on ${machine.cpus} × ${machine.model}, ${(machine.memoryBytes / 2 ** 30).toFixed(0)} GiB, Node ${machine.node}, ${machine.os}, load average ${machine.loadAverage.atStart[0]} at the start and ${machine.loadAverage.atEnd[0]} at the end; ` +
      `commit \`${commit.sha.slice(0, 12)}\`${commit.dirty ? ' (working tree with uncommitted changes)' : ''}. Every figure: \`${basename(jsonFile)}\`.`,
    '',
    ...(report.inProgress
      ? [
          `**In progress or stopped early:** ${report.inProgress.runsDone} of ${report.inProgress.runsPlanned} runs done when this was written.`,
          '',
          ...unfinishedRunLines(report.inProgress.currentRun),
        ]
      : []),
    ...blocks,
    ...notes(report).map((n) => (n.startsWith('  ') ? `  - ${n.trim()}` : `- ${n}`)),
    '',
    'Medians of the runs (each ratio from one run, on one machine). The cycle: from `scheduler.run` with all N devices due to the N-th verified ' +
      'restore point recorded. The activation: from the POST of a region activation to its state `completed`, every device recovered onto a ' +
      'temporary device in the backup region, in waves by priority tier; the deactivation: from its POST to `deactivated`. Each floor: the same ' +
      'per-device storage and queue calls issued bare at the same concurrency, no control plane. Requests per device are counted during each ' +
      'phase; the benchmark’s own probes are excluded. Peak RSS: each phase’s peak of each process.',
    '',
  ].join('\n');
}

function notes(report: BenchmarkReport): string[] {
  const lines = report.sizes.flatMap((s) => [
    ...(s.median && hasCycle(s.median) ? [rpoNote(s.devices, s.median)] : []),
    ...(s.median && hasActivation(s.median) ? [rtoNote(s.devices, s.median)] : []),
    ...s.runs.flatMap((r) => runNotes(s.devices, r)),
    ...s.failures.flatMap((f) => failureNotes(s.devices, f)),
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

/** Why a run did not finish, then (indented) the figures of each phase it had done. */
function failureNotes(devices: number, failure: RunFailure): string[] {
  const rate =
    failure.restorePointsPerSecondSoFar !== undefined
      ? ` (${fixed(failure.restorePointsPerSecondSoFar, 2)} points/s until then)`
      : '';
  const done = failure.phasesDone ?? [];
  return [
    `N = ${thousands(devices)}, run ${failure.run} did not finish: ${failure.error}${rate}${done.length > 0 ? '; the phases it had done:' : ''}`,
    ...done.map((phase) => `  ${phaseLine(phase)}`),
  ];
}

function rpoNote(devices: number, m: RunFigures & CycleFigures): string {
  const minutes = m.cycleSeconds / 60;
  const time = minutes >= 1 ? `${minutes.toFixed(1)} min` : `${m.cycleSeconds.toFixed(1)} s`;
  return (
    `N = ${thousands(devices)}: the whole fleet due at once takes ${time}, ${(m.oneHourRpoShare * 100).toFixed(1)}% of a 1-hour RPO window; ` +
    `at ${m.restorePointsPerSecond.toFixed(1)} points/s one control plane keeps at most ~${thousands(m.devicesPerHourAtThisRate)} devices within a 1-hour RPO` +
    (m.floorRestorePointsPerSecond === undefined
      ? ' (the floor was not run).'
      : ` (the floor would allow ~${thousands(Math.round(m.floorRestorePointsPerSecond * 3600))}).`)
  );
}

/** Where 50,000 devices at the measured activation rate would leave a 4-hour RTO. */
function rtoNote(devices: number, m: RunFigures & ActivationFigures): string {
  const at50k = m.fourHourRtoShareAt50k * 4 * 60;
  const floorShare = 50_000 / m.activationFloorDevicesPerSecond / (4 * 3600);
  return (
    `N = ${thousands(devices)}: activating the region took ${m.activationSeconds.toFixed(1)} s (${m.activationDevicesPerSecond.toFixed(1)} devices/s, the floor ${m.activationFloorDevicesPerSecond.toFixed(1)}/s); ` +
    `at that rate 50,000 devices take ${at50k.toFixed(0)} min, ${percent(m.fourHourRtoShareAt50k)} of Windows 365's 4-hour RTO spent in the control plane ` +
    `(the floor ${percent(floorShare)})` +
    (devices < 50_000 ? `, extrapolated from N = ${thousands(devices)}.` : '.') +
    ` Deactivation: ${m.deactivationSeconds.toFixed(1)} s (${m.deactivationDevicesPerSecond.toFixed(1)} devices/s).`
  );
}

/** Whether the run measured the cycle, and the activation's phases (see `BenchmarkOptions.only`). */
function hasCycle(m: RunFigures): m is RunFigures & CycleFigures {
  return m.cycleSeconds !== undefined;
}

function hasActivation(m: RunFigures): m is RunFigures & ActivationFigures {
  return m.activationSeconds !== undefined;
}

/** Per run: the waves' times, the exactly-once check, and the activation with latency and capacity. */
function runNotes(devices: number, result: RunResult): string[] {
  const { activation, deactivation, realistic } = result.details;
  if (!activation || !deactivation) return [];
  const waves = activation.waves
    .map(
      (w) =>
        `${w.label} ${thousands(w.devices)} devices in ${w.seconds === undefined ? '?' : w.seconds.toFixed(1)} s`,
    )
    .join(', ');
  const lines = [
    `N = ${thousands(devices)}, run ${result.run}: waves ${waves}; first device after ${fixed(result.figures.activationTimeToFirstSeconds, 2)} s, ` +
      `last after ${fixed(activation.lastRecoveredSeconds, 1)} s; ${thousands(activation.creations.names)} temporary devices, each created ` +
      `${activation.creations.duplicated === 0 ? 'once' : 'ONCE OR MORE'}; ${deactivation.temporaryDevicesLeft} left after the deactivation.`,
  ];
  if (realistic && 'error' in realistic) {
    lines.push(
      `N = ${thousands(devices)}, run ${result.run}: the activation with latency and capacity did not finish: ${realistic.error}`,
    );
  } else if (realistic) {
    const setting = `${thousands(realistic.provisioningMs)} ms provisioning, capacity ${realistic.capacity === null ? 'unlimited' : thousands(realistic.capacity)}`;
    lines.push(
      realistic.outcome === 'completed'
        ? `N = ${thousands(devices)}, run ${result.run}, with ${setting}: measured RTO ${fixed(realistic.rtoSeconds ?? Number.NaN, 1)} s ` +
            `(request → last of ${thousands(realistic.recovered)} devices recovered; ${fixed(realistic.devicesPerSecond ?? Number.NaN, 1)} devices/s), ` +
            `waves ${realistic.waves.map((w) => `${w.label} ${w.seconds === undefined ? '?' : w.seconds.toFixed(1)} s`).join(', ')}.`
        : `N = ${thousands(devices)}, run ${result.run}, with ${setting}: capacity exhausted after ${fixed(realistic.wallSeconds, 1)} s ` +
            `with ${thousands(realistic.recovered)} devices recovered (the last after ${fixed(realistic.rtoSeconds ?? Number.NaN, 1)} s), ` +
            `${thousands(realistic.counts['waiting-for-capacity'] ?? 0)} waiting for capacity and ${thousands(realistic.counts['planned'] ?? 0)} not yet dispatched: ` +
            'no RTO, since the simulated provider frees capacity only when temporary devices are deleted.',
    );
  }
  return lines;
}

function percent(fraction: number | undefined): string {
  if (fraction === undefined || !Number.isFinite(fraction)) return 'n/a';
  return `${(fraction * 100).toFixed(fraction < 0.1 ? 1 : 0)}%`;
}

function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `n` to `digits` decimals; `n/a` for a figure not measured. */
export function fixed(n: number | undefined, digits: number): string {
  return n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/** The phases an unfinished run has done, each with its figures as measured. */
function unfinishedRunLines(run: UnfinishedRun | undefined): string[] {
  if (!run || run.phasesDone.length === 0) return [];
  return [
    `N = ${run.devices.toLocaleString('en-US')}, run ${run.run}, not finished; the phases it has done:`,
    '',
    ...run.phasesDone.map((phase) => `- ${phaseLine(phase)}`),
    '',
  ];
}

function phaseLine({ phase, figures }: UnfinishedRun['phasesDone'][number]): string {
  return `${phase}: ${Object.entries(figures)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ')}`;
}
