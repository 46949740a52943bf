/**
 * A smoke run of the benchmark harness (N = 200, one run), so `npm run bench` cannot rot. It checks
 * that every figure is measured, that the cycle really protected every device, that the activation
 * recovered each device exactly once and the deactivation left nothing behind, and the shape of
 * what it writes; never how fast anything was (benchmarks are not tests).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchmarkOutcome, BenchmarkReport } from '../../bench/benchmarkReport';
import { runBenchmark } from '../../bench/harness';
import type { KindDifference, RunDetails } from '../../bench/runDetails';
import type { RunFigures } from '../../bench/runFigures';

type RunRequests = RunDetails['requests'];

const devices = 200;

describe('npm run bench (smoke run, N = 200)', () => {
  let resultsDir: string;
  let outcome: BenchmarkOutcome;
  const log: string[] = [];
  // What the report said while the run was still going: read as the deactivation ends, after the
  // activation's checkpoint and before the floors.
  let unfinished: BenchmarkReport | undefined;
  const readUnfinished = () => {
    const json = readdirSync(resultsDir).find((f) => f.endsWith('.json'));
    if (json) unfinished = JSON.parse(readFileSync(join(resultsDir, json), 'utf8')) as BenchmarkReport;
  };

  beforeAll(async () => {
    resultsDir = await mkdtemp(join(tmpdir(), 'clouddr-bench-results-'));
    outcome = await runBenchmark({
      devices: [devices],
      runs: 1,
      resultsDir,
      log: (line) => {
        log.push(line);
        if (line.startsWith('[bench]   deactivation:')) readUnfinished();
      },
      // On a busy machine a delivery may fail (a socket hung up) and come back only once the
      // queue host's 60 s lock ends: each phase gets room for that rather than failing the run.
      timeoutMs: () => 180_000,
    });
  }, 900_000);

  afterAll(async () => {
    if (resultsDir) await rm(resultsDir, { recursive: true, force: true });
  });

  it('measures every figure: present, finite and positive, and the medians of one run are that run', () => {
    const [size] = outcome.report.sizes;
    // On a failure, the log's last lines tell the phase it stopped in.
    expect(size?.failures, log.slice(-15).join('\n')).toEqual([]);
    expect(size?.devices).toBe(devices);
    expect(size?.runs).toHaveLength(1);
    const { figures } = size!.runs[0]!;
    const names = [
      'cycleSeconds',
      'timeToFirstSeconds',
      'restorePointsPerSecond',
      'floorSeconds',
      'floorTimeToFirstSeconds',
      'floorRestorePointsPerSecond',
      'cycleToFloorRatio',
      'cosmosRequestsPerDevice',
      'storageRequestsPerDevice',
      'floorStorageRequestsPerDevice',
      'controlPlanePeakRssMiB',
      'azuritePeakRssMiB',
      'cosmosPeakRssMiB',
      'complianceP50Ms',
      'complianceP99Ms',
      'complianceSamples',
      'fleetSetupSeconds',
      'oneHourRpoShare',
      'devicesPerHourAtThisRate',
      'activationSeconds',
      'activationTimeToFirstSeconds',
      'activationDevicesPerSecond',
      'activationRtoSeconds',
      'activationFloorSeconds',
      'activationFloorDevicesPerSecond',
      'activationToFloorRatio',
      'activationCosmosRequestsPerDevice',
      'activationStorageRequestsPerDevice',
      'activationFloorStorageRequestsPerDevice',
      'activationControlPlanePeakRssMiB',
      'activationAzuritePeakRssMiB',
      'activationCosmosPeakRssMiB',
      'activationStatusP50Ms',
      'activationStatusP99Ms',
      'activationStatusSamples',
      'fourHourRtoShareAt50k',
      'deactivationSeconds',
      'deactivationDevicesPerSecond',
      'deactivationCosmosRequestsPerDevice',
      'deactivationStorageRequestsPerDevice',
    ];
    expect(Object.keys(figures).sort()).toEqual([...names].sort());
    for (const name of names) {
      const value = (figures as unknown as Record<string, number>)[name];
      expect(Number.isFinite(value) && value! > 0, `${name} = ${value}`).toBe(true);
    }
    expect(size!.median).toEqual(figures);
    // Every name is present (above), so every figure is a number.
    const f = figures as Required<RunFigures>;
    expect(f.timeToFirstSeconds).toBeLessThanOrEqual(f.cycleSeconds);
    expect(f.complianceP50Ms).toBeLessThanOrEqual(f.complianceP99Ms);
    expect(f.activationTimeToFirstSeconds).toBeLessThanOrEqual(f.activationSeconds);
    expect(f.activationStatusP50Ms).toBeLessThanOrEqual(f.activationStatusP99Ms);
    expect(f.fourHourRtoShareAt50k).toBeCloseTo(50_000 / f.activationDevicesPerSecond / (4 * 3600), 2);
  });

  it('activated the region: every device recovered once, in waves by tier, and deactivated with nothing left', () => {
    const { details } = outcome.report.sizes[0]!.runs[0]!;
    expect(details.activation).toBeDefined();
    expect(details.deactivation).toBeDefined();
    const activation = details.activation!;
    const deactivation = details.deactivation!;
    expect(activation.counts).toEqual({ recovered: devices });
    expect(activation.recoveredEvents).toBe(devices);
    expect(activation.creations).toEqual({ total: devices, names: devices, missing: 0, duplicated: 0 });
    expect(activation.workerOutcomes['recovered']).toBe(devices);
    expect(activation.planningSeconds).toBeGreaterThan(0);
    // Three tiers, so three waves, one after another, with every device in one of them.
    expect(activation.waves.map((w) => w.label)).toEqual(['tier-1', 'tier-2', 'tier-3']);
    expect(activation.waves.reduce((sum, w) => sum + w.devices, 0)).toBe(devices);
    for (const wave of activation.waves) {
      expect(wave.outcome).toBe('done');
      expect(wave.seconds).toBeGreaterThan(0);
    }
    for (let i = 1; i < activation.waves.length; i += 1)
      expect(activation.waves[i]!.startedAfterSeconds).toBeGreaterThanOrEqual(
        activation.waves[i - 1]!.startedAfterSeconds! + activation.waves[i - 1]!.seconds! - 0.01,
      );
    expect(activation.status.errors).toBe(0);
    expect(deactivation.counts).toEqual({ released: devices });
    expect(deactivation.temporaryDevicesLeft).toBe(0);
    expect(deactivation.status.errors).toBe(0);
    expect(details.realistic).toBeUndefined();
  });

  it('records the CPU each process used in each phase, and the steal time the machine lost', () => {
    const { cpu } = outcome.report.sizes[0]!.runs[0]!.details;
    expect(Object.keys(cpu).sort()).toEqual([
      'activation',
      'activationFloor',
      'cycle',
      'deactivation',
      'floor',
    ]);
    for (const [phase, used] of Object.entries(cpu)) {
      expect(used.coresBusy.azurite, phase).toBeGreaterThan(0);
      // Linux only (/proc/stat), like the rest of these figures.
      expect(used.stolenCores, phase).toBeGreaterThanOrEqual(0);
      expect(used.stolenCores, phase).toBeLessThanOrEqual(cpus().length);
    }
  });

  it('the activation floor issues the storage calls of the recovery path, and the task hub is counted apart', () => {
    const requests = outcome.report.sizes[0]!.runs[0]!.details.requests as Required<RunRequests>;
    for (const kind of [
      'blob:list',
      'blob:get-properties',
      'blob:copy',
      'blob:create',
      'queue:send',
      'queue:delete',
    ]) {
      expect(requests.activation.perDeviceByKind[kind], kind).toBeGreaterThan(0);
      expect(requests.activationFloor.perDeviceByKind[kind], kind).toBeGreaterThan(0);
    }
    // The points' read snapshots were taken when they were verified: a recovery takes none.
    expect(requests.activation.perDeviceByKind['blob:snapshot'] ?? 0).toBe(0);
    expect(requests.activationFloor.perDeviceByKind['blob:snapshot'] ?? 0).toBe(0);
    for (const kind of ['blob:copy', 'blob:create'])
      expect(requests.activationFloor.perDeviceByKind[kind], kind).toBeCloseTo(
        requests.activation.perDeviceByKind[kind]!,
        1,
      );
    expect(requests.activation.perDevice.cosmos).toBeGreaterThan(0);
    expect(requests.activation.taskHubPerDevice).toBeGreaterThan(0);
    expect(requests.deactivation.perDevice.cosmos).toBeGreaterThan(0);
    expect(requests.activationFloor.perDevice.cosmos).toBe(0);
    expect(requests.activationFloor.taskHubPerDevice).toBe(0);
    // Without the task hub, only receive batching and the queue host's lock renewals may differ.
    expect(
      kindsApart(requests.floorVersusRecoveryPath).filter(
        (k) => k !== 'queue:receive' && k !== 'queue:update',
      ),
    ).toEqual([]);
  });

  it('recorded a verified restore point for all 200 devices in the backup region, each from one message', () => {
    const { details } = outcome.report.sizes[0]!.runs[0]!;
    expect(details.cycle!.dispatched).toBe(devices);
    expect(details.cycle!.verifiedInBackupRegion).toBe(devices);
    expect(details.cycle!.events['rpo.protected']).toBe(devices);
    expect(details.cycle!.workerOutcomes['recorded']).toBe(devices);
    expect(details.compliance!.errors).toBe(0);
    expect(details.compliance!.idle.errors).toBe(0);
  });

  it('counts the requests of the cycle and of the floor per device, and the floor issues the storage calls the cycle does', () => {
    const requests = outcome.report.sizes[0]!.runs[0]!.details.requests as Required<RunRequests>;
    for (const kind of [
      'blob:snapshot',
      'blob:copy',
      'blob:download',
      'blob:page-ranges',
      'blob:set-metadata',
      'queue:send',
      'queue:delete',
    ]) {
      expect(requests.cycle.perDeviceByKind[kind], kind).toBeGreaterThan(0);
      expect(requests.floor.perDeviceByKind[kind], kind).toBeCloseTo(
        requests.cycle.perDeviceByKind[kind]!,
        1,
      );
    }
    expect(requests.cycle.perDevice.cosmos).toBeGreaterThan(0);
    expect(requests.floor.perDevice.cosmos).toBe(0);
    // Only receive batching may differ: it follows how fast messages are taken.
    expect(kindsApart(requests.floorVersusCycle).filter((k) => k !== 'queue:receive')).toEqual([]);
  });

  it('writes <timestamp>.json with the machine, the commit and every figure, and latest.md with the table', async () => {
    const files = (await readdir(resultsDir)).sort();
    expect(files).toEqual(
      ['latest.md', expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z\.json$/)].sort(),
    );
    expect(outcome.jsonFile).toBe(
      join(
        resultsDir,
        files.find((f) => f.endsWith('.json'))!,
      ),
    );

    const written = JSON.parse(await readFile(outcome.jsonFile, 'utf8')) as BenchmarkReport;
    expect(written).toEqual(JSON.parse(JSON.stringify(outcome.report)));
    expect(written.machine).toMatchObject({
      cpus: expect.any(Number),
      model: expect.any(String),
      memoryBytes: expect.any(Number),
      node: process.version,
      os: expect.any(String),
    });
    expect(written.commit.sha).toMatch(/^[0-9a-f]{40}$|^unknown$/);
    expect(typeof written.commit.dirty).toBe('boolean');
    expect(written.settings).toMatchObject({ concurrency: 16, diskBytes: 64 * 1024 });
    expect(written.targets).toMatchObject({ appliesAt: 50_000, measuredAt: devices, indicative: true });
    expect(written.targets!.checks.map((c) => c.name)).toEqual([
      'throughput ÷ floor',
      'compliance p99 while the cycle runs',
      'control-plane peak RSS',
      'Cosmos requests per device per cycle',
      'activation ÷ floor',
      'status p99 while the activation runs',
      "share of Windows 365's 4-hour RTO, %",
    ]);
    // In percent, so a miss by a little does not print as the target itself.
    expect(written.targets!.checks.at(-1)!.value).toBeCloseTo(
      written.sizes[0]!.median!.fourHourRtoShareAt50k! * 100,
      6,
    );

    const markdown = await readFile(outcome.markdownFile, 'utf8');
    expect(markdown).toContain('| devices |');
    expect(markdown).toContain('| 200 |');
    expect(markdown).toContain('1-hour RPO');
    expect(markdown).toContain('## Activation of the primary region');
    expect(markdown).toContain('## Deactivation');
    expect(markdown).toContain('4-hour RTO');
    expect(markdown).toContain('extrapolated from N = 200');
    expect(outcome.table).toContain('cycle ÷ floor');
    expect(outcome.table).toContain('activation ÷ floor');
    expect(outcome.table).toContain('deactivation s');
    expect(log.some((line) => line.includes('N=200 run 1/1'))).toBe(true);
  });

  it('saves each phase as it ends, so a run stopped early keeps the phases it has done', () => {
    const { figures } = outcome.report.sizes[0]!.runs[0]!;
    expect(unfinished?.inProgress).toMatchObject({ runsDone: 0, runsPlanned: 1 });
    const phases = unfinished!.inProgress!.currentRun!;
    expect(phases).toMatchObject({ devices, run: 1 });
    expect(phases.phasesDone.map((p) => p.phase)).toEqual(['cycle', 'activation']);
    // The figures saved early are the run's final ones.
    for (const { figures: early } of phases.phasesDone) expect(figures).toMatchObject(early);
    expect(phases.phasesDone[0]!.figures).toHaveProperty('complianceP99Ms', figures.complianceP99Ms);
    expect(phases.phasesDone[1]!.figures).toHaveProperty('activationSeconds', figures.activationSeconds);
  });
});

describe.each([
  {
    only: 'cycle' as const,
    measured: ['cycleSeconds', 'complianceP99Ms', 'cycleToFloorRatio', 'floorSeconds'],
    leftOut: ['activationSeconds', 'activationToFloorRatio', 'deactivationSeconds'],
    phases: ['cycle', 'floor'],
    parts: ['cycle', 'compliance', 'floor'],
    partsLeftOut: ['activation', 'deactivation', 'activationFloor'],
    // Every device protected by the cycle itself.
    made: (details: RunDetails) => details.cycle?.verifiedInBackupRegion,
  },
  {
    only: 'activation' as const,
    measured: ['activationSeconds', 'activationToFloorRatio', 'deactivationSeconds'],
    leftOut: ['cycleSeconds', 'complianceP99Ms', 'cycleToFloorRatio', 'floorSeconds'],
    phases: ['seeded', 'activation', 'deactivation', 'activation floor'],
    parts: ['activation', 'deactivation', 'activationFloor'],
    partsLeftOut: ['cycle', 'compliance', 'floor'],
    // Every device recovered, once, from a seeded point.
    made: (details: RunDetails) =>
      details.setup.seedSeconds !== undefined ? details.activation?.creations.names : undefined,
  },
])(
  'npm run bench -- --only $only (N = 50)',
  ({ only, measured, leftOut, phases, parts, partsLeftOut, made }) => {
    const halfDevices = 50;
    let resultsDir: string;
    let outcome: BenchmarkOutcome;
    const log: string[] = [];

    beforeAll(async () => {
      resultsDir = await mkdtemp(join(tmpdir(), 'clouddr-bench-results-'));
      outcome = await runBenchmark({
        devices: [halfDevices],
        runs: 1,
        only,
        resultsDir,
        log: (line) => log.push(line),
        timeoutMs: () => 180_000,
      });
    }, 600_000);

    afterAll(async () => {
      if (resultsDir) await rm(resultsDir, { recursive: true, force: true });
    });

    it('runs its half: its figures and details are there, the other half’s are not', () => {
      const [size] = outcome.report.sizes;
      expect(size?.failures, log.slice(-15).join('\n')).toEqual([]);
      const { figures, details } = size!.runs[0]!;
      for (const name of ['fleetSetupSeconds', ...measured])
        expect(figures, name).toHaveProperty(name, expect.any(Number));
      for (const name of leftOut) expect(figures, name).not.toHaveProperty(name);
      for (const part of partsOf(details, parts)) expect(part.value, part.name).toBeDefined();
      for (const part of partsOf(details, partsLeftOut)) expect(part.value, part.name).toBeUndefined();
      expect(made(details)).toBe(halfDevices);
    });

    it('checkpoints exactly its phases, and reports the other half as not measured', async () => {
      const phaseLines = log.flatMap(
        (line) =>
          /^\[bench\] {3}(cycle|floor|activation floor|activation|deactivation|seeded)\b/.exec(line)?.[1] ??
          [],
      );
      expect(phaseLines).toEqual(phases);
      expect(outcome.report.settings).toMatchObject({ only });
      // Each half checks the targets of its own phases.
      expect(outcome.report.targets!.checks).toHaveLength(only === 'cycle' ? 4 : 3);
      const markdown = await readFile(outcome.markdownFile, 'utf8');
      expect(markdown).toContain('n/a');
      expect(markdown.includes('4-hour RTO spent in the control plane')).toBe(only === 'activation');
    });
  },
);

/**
 * The kinds of call one side makes per device and the other does not. On a loaded machine a message
 * may be delivered again (its handler outlived the lock), repeating a few devices' calls on one side:
 * that is not a call the floor lacks, which would differ by about one per device.
 */
/** The named parts of a run's details, to check which are present. */
function partsOf(details: RunDetails, names: readonly string[]): { name: string; value: unknown }[] {
  return names.map((name) => ({ name, value: (details as unknown as Record<string, unknown>)[name] }));
}

function kindsApart(differences: readonly KindDifference[]): string[] {
  return differences.filter((d) => Math.abs(d.cycle - d.floor) > 0.05).map((d) => d.kind);
}
