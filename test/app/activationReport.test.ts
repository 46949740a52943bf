import { describe, expect, it } from 'vitest';
import { activationReport, recoveryRow } from '../../src/app/activationReport';
import type { Activation } from '../../src/domain/activation';
import {
  recoveryStates,
  type RecoveryState,
  type RecoveryTask,
  type WaveCounts,
} from '../../src/domain/recoveryTask';

const requestedAt = '2026-01-01T00:00:00.000Z';
const at = (time: string) => new Date(`2026-01-01T${time}Z`);

function activation(overrides: Partial<Activation> = {}): Activation {
  return {
    id: 'act-0123456789abcdef01234567',
    tenantId: 'tenant-1',
    idempotencyKey: 'key-1',
    requestHash: 'secret-fingerprint',
    scope: { kind: 'region', region: 'westeurope' },
    recoverFirst: ['pc-vip'],
    waveDeadlineMinutes: 30,
    state: 'recovering',
    requestedBy: 'operator@contoso.test',
    requestedAt,
    waves: [],
    owner: { region: 'westeurope', epoch: 1, leaseUntil: '2026-01-01T00:05:00.000Z' },
    updatedAt: requestedAt,
    version: '"etag-1"',
    ...overrides,
  };
}

/** Every state at 0 but those given. */
function allStates(given: Partial<Record<RecoveryState, number>>): Record<RecoveryState, number> {
  return Object.fromEntries(recoveryStates.map((s) => [s, given[s] ?? 0])) as Record<RecoveryState, number>;
}

const counts: WaveCounts = {
  2: { planned: 3, skipped: 2 },
  0: { recovered: 1 },
  1: { recovered: 2, queued: 1, failed: 1 },
  // Every task left this key again: an empty wave, not shown.
  5: { recovered: 0 },
};

describe('activationReport: counts', () => {
  it('sums each state across the waves, all states present, and the total', () => {
    const report = activationReport(activation(), counts, at('00:10:00'));
    expect(report.counts).toEqual(allStates({ recovered: 3, queued: 1, failed: 1, planned: 3, skipped: 2 }));
    expect(report.total).toBe(10);
    // Settled: 3 recovered + 1 failed + 2 skipped of 10.
    expect(report.percentComplete).toBe(60);
  });

  it('keeps the activation’s fields and version, never its request fingerprint', () => {
    const a = activation();
    const report = activationReport(a, counts, at('00:10:00'));
    expect(report).not.toHaveProperty('requestHash');
    const { requestHash: _hash, ...rest } = a;
    expect(report).toMatchObject(rest);
    expect(report.version).toBe('"etag-1"');
  });

  it('rounds percentages down to one decimal', () => {
    const report = activationReport(activation(), { 1: { recovered: 2, queued: 1 } }, at('00:10:00'));
    expect(report.percentComplete).toBe(66.6);
    expect(report.waveProgress[0]!.percentComplete).toBe(66.6);
  });

  it('is 0 % while planning with no tasks yet, and 100 % once completed with none', () => {
    expect(activationReport(activation({ state: 'planning' }), {}, at('00:01:00')).percentComplete).toBe(0);
    const completed = activationReport(
      activation({ state: 'completed', completedAt: '2026-01-01T00:01:00.000Z' }),
      {},
      at('00:02:00'),
    );
    expect(completed.percentComplete).toBe(100);
    expect(completed.total).toBe(0);
    expect(completed.counts).toEqual(allStates({}));
    expect(completed.waveProgress).toEqual([]);
  });
});

describe('activationReport: percentComplete over one activation', () => {
  type Step = [Partial<Activation>, WaveCounts];
  const completedAt = '2026-01-01T00:20:00.000Z';
  const planned = { plannedAt: '2026-01-01T00:01:00.000Z' };

  /** The overall and per-wave percentages of each step, asserting they never fall. */
  function percents(steps: Step[]): number[] {
    const overall = steps.map(([fields, counts]) =>
      activationReport(activation(fields), counts, at('00:30:00')),
    );
    for (let i = 1; i < overall.length; i += 1) {
      expect(overall[i]!.percentComplete, `step ${i}`).toBeGreaterThanOrEqual(
        overall[i - 1]!.percentComplete,
      );
      for (const wave of overall[i]!.waveProgress) {
        const before = overall[i - 1]!.waveProgress.find((w) => w.wave === wave.wave);
        if (before && overall[i - 1]!.state !== 'planning')
          expect(wave.percentComplete, `step ${i}, wave ${wave.wave}`).toBeGreaterThanOrEqual(
            before.percentComplete,
          );
      }
    }
    return overall.map((r) => r.percentComplete);
  }

  it('never falls from planning to deactivated, and is 100 exactly from completion on', () => {
    const steps: Step[] = [
      [{ state: 'planning' }, {}],
      // A first page of planning: a share of it would fall as the next page adds tasks.
      [{ state: 'planning' }, { 0: { skipped: 1, planned: 1 } }],
      [{ state: 'planning' }, { 0: { skipped: 1, planned: 1 }, 1: { planned: 2 } }],
      [{ ...planned }, { 0: { skipped: 1, planned: 1 }, 1: { planned: 2 } }],
      [{ ...planned }, { 0: { skipped: 1, queued: 1 }, 1: { planned: 2 } }],
      [
        { ...planned },
        { 0: { skipped: 1, recovered: 1 }, 1: { provisioning: 1, 'waiting-for-capacity': 1 } },
      ],
      [{ ...planned }, { 0: { skipped: 1, recovered: 1 }, 1: { recovered: 1, failed: 1 } }],
      [
        { ...planned, state: 'completed', completedAt },
        { 0: { skipped: 1, recovered: 1 }, 1: { recovered: 1, failed: 1 } },
      ],
      [
        { ...planned, state: 'deactivating', completedAt },
        { 0: { skipped: 1, releasing: 1 }, 1: { recovered: 1, releasing: 1 } },
      ],
      [
        { ...planned, state: 'deactivated', completedAt },
        { 0: { skipped: 1, released: 1 }, 1: { released: 2 } },
      ],
    ];
    // Every device has its end at step 6, but the driver has not recorded completion yet.
    expect(percents(steps)).toEqual([0, 0, 0, 25, 25, 50, 99.9, 100, 100, 100]);
  });

  it('stays under 100 for an activation that never completed: cancelled, or deactivated while recovering', () => {
    const cancelled: Step[] = [
      [{ ...planned }, { 1: { recovered: 1, queued: 1, planned: 2 } }],
      [{ ...planned, state: 'cancelled' }, { 1: { recovered: 1, queued: 1, cancelled: 2 } }],
      [{ ...planned, state: 'cancelled' }, { 1: { recovered: 2, cancelled: 2 } }],
      [{ ...planned, state: 'deactivating' }, { 1: { releasing: 2, cancelled: 2 } }],
      [{ ...planned, state: 'deactivated' }, { 1: { released: 4 } }],
    ];
    expect(percents(cancelled)).toEqual([25, 75, 99.9, 99.9, 99.9]);
    const stopped: Step[] = [
      [{ ...planned }, { 1: { recovered: 1, provisioning: 1, planned: 2 } }],
      [{ ...planned, state: 'deactivating' }, { 1: { releasing: 2, planned: 2 } }],
      [{ ...planned, state: 'deactivating' }, { 1: { releasing: 4 } }],
      [{ ...planned, state: 'deactivated' }, { 1: { released: 4 } }],
    ];
    expect(percents(stopped)).toEqual([25, 50, 99.9, 99.9]);
  });
});

describe('activationReport: waves', () => {
  it('lists the waves with tasks in order, each with its counts, progress and record', () => {
    const a = activation({
      waves: [
        {
          wave: 0,
          startedAt: '2026-01-01T00:01:00.000Z',
          deadlineAt: '2026-01-01T00:31:00.000Z',
          endedAt: '2026-01-01T00:04:00.000Z',
          outcome: 'done',
        },
        { wave: 1, startedAt: '2026-01-01T00:04:00.000Z', deadlineAt: '2026-01-01T00:34:00.000Z' },
      ],
    });
    const { waveProgress } = activationReport(a, counts, at('00:10:00'));
    expect(waveProgress.map((w) => w.wave)).toEqual([0, 1, 2]);
    expect(waveProgress).toEqual([
      {
        wave: 0,
        label: 'recover-first',
        total: 1,
        counts: allStates({ recovered: 1 }),
        percentComplete: 100,
        startedAt: '2026-01-01T00:01:00.000Z',
        deadlineAt: '2026-01-01T00:31:00.000Z',
        endedAt: '2026-01-01T00:04:00.000Z',
        outcome: 'done',
      },
      {
        wave: 1,
        label: 'tier-1',
        total: 4,
        counts: allStates({ recovered: 2, queued: 1, failed: 1 }),
        percentComplete: 75,
        startedAt: '2026-01-01T00:04:00.000Z',
        deadlineAt: '2026-01-01T00:34:00.000Z',
      },
      {
        wave: 2,
        label: 'tier-2',
        total: 5,
        counts: allStates({ planned: 3, skipped: 2 }),
        percentComplete: 40,
      },
    ]);
  });

  it('orders waves numerically, tier 10 after tier 2', () => {
    const { waveProgress } = activationReport(
      activation(),
      { 10: { queued: 1 }, 2: { queued: 1 }, 0: { queued: 1 } },
      at('00:10:00'),
    );
    expect(waveProgress.map((w) => w.label)).toEqual(['recover-first', 'tier-2', 'tier-10']);
  });
});

describe('activationReport: RTO and ETA', () => {
  const started = {
    waves: [{ wave: 0, startedAt: '2026-01-01T00:01:00.000Z', deadlineAt: '2026-01-01T00:31:00.000Z' }],
  };

  it('measures the RTO to the last device recovered once completed, whatever the time now', () => {
    const a = activation({
      ...started,
      state: 'completed',
      completedAt: '2026-01-01T00:20:00.000Z',
      lastRecoveredAt: '2026-01-01T00:12:34.567Z',
    });
    const report = activationReport(a, counts, at('05:00:00'));
    expect(report.rtoSeconds).toBe(754.6);
    expect(report.etaSeconds).toBeUndefined();
  });

  it('has no RTO when completed without a device recovered, nor once cancelled or deactivated', () => {
    const completed = activation({ state: 'completed', completedAt: '2026-01-01T00:20:00.000Z' });
    expect(activationReport(completed, { 1: { failed: 1 } }, at('00:30:00')).rtoSeconds).toBeUndefined();
    for (const state of ['cancelled', 'deactivating', 'deactivated'] as const) {
      const report = activationReport(
        activation({ ...started, state, lastRecoveredAt: '2026-01-01T00:12:00.000Z' }),
        counts,
        at('00:30:00'),
      );
      expect(report.rtoSeconds, state).toBeUndefined();
      expect(report.etaSeconds, state).toBeUndefined();
    }
  });

  it('shows the time elapsed so far as the RTO while planning or recovering', () => {
    expect(activationReport(activation({ state: 'planning' }), {}, at('00:00:42.5')).rtoSeconds).toBe(42.5);
    expect(activationReport(activation(), counts, at('00:11:00')).rtoSeconds).toBe(660);
  });

  it('estimates what remains at the rate recovered since the first wave started', () => {
    // 3 recovered in the 10 minutes since 00:01; 4 of 10 not settled: 4 / (3 per 600 s) = 800 s.
    const report = activationReport(activation(started), counts, at('00:11:00'));
    expect(report.etaSeconds).toBe(800);
    expect(report.rtoSeconds).toBe(660);
  });

  it('gives no estimate before a device is recovered, before a wave started, or while planning', () => {
    const noneRecovered: WaveCounts = { 1: { failed: 2, queued: 3 } };
    expect(activationReport(activation(started), noneRecovered, at('00:11:00')).etaSeconds).toBeUndefined();
    expect(activationReport(activation(), counts, at('00:11:00')).etaSeconds).toBeUndefined();
    expect(
      activationReport(activation({ ...started, state: 'planning' }), counts, at('00:11:00')).etaSeconds,
    ).toBeUndefined();
  });
});

describe('recoveryRow', () => {
  const base: RecoveryTask = {
    id: 'act-0123456789abcdef01234567:pc-1',
    activationId: 'act-0123456789abcdef01234567',
    tenantId: 'tenant-1',
    deviceId: 'pc-1',
    upn: 'pc-1@contoso.test',
    primaryRegion: 'westeurope',
    backupRegion: 'northeurope',
    priorityTier: 2,
    wave: 2,
    state: 'queued',
    attempt: 1,
    dispatch: 1,
    updatedAt: requestedAt,
    version: '"etag"',
  };

  it('reports a recovered device’s point, achieved RPO, temporary device and time to recover', () => {
    const row = recoveryRow(
      {
        ...base,
        state: 'recovered',
        restorePoint: { name: 'pc-1/0000000000001', takenAt: '2025-12-31T23:20:30.000Z' },
        temporaryDevice: { name: 'tmp-0123456789abcdef-pc-1', region: 'northeurope' },
        dispatchedAt: '2026-01-01T00:01:00.000Z',
        recoveredAt: '2026-01-01T00:05:07.000Z',
        reason: 'retried once',
      },
      activation(),
    );
    expect(row).toStrictEqual({
      deviceId: 'pc-1',
      upn: 'pc-1@contoso.test',
      primaryRegion: 'westeurope',
      backupRegion: 'northeurope',
      priorityTier: 2,
      wave: 2,
      state: 'recovered',
      reason: 'retried once',
      attempts: 1,
      restorePoint: 'pc-1/0000000000001',
      restorePointTakenAt: '2025-12-31T23:20:30.000Z',
      // 39 min 30 s between the point and the request: whole minutes, rounded down.
      achievedRpoMinutes: 39,
      temporaryDevice: 'tmp-0123456789abcdef-pc-1',
      temporaryDeviceRegion: 'northeurope',
      dispatchedAt: '2026-01-01T00:01:00.000Z',
      recoveredAt: '2026-01-01T00:05:07.000Z',
      timeToRecoverSeconds: 307,
    });
  });

  it('leaves out what a task does not have', () => {
    expect(recoveryRow(base, activation())).toStrictEqual({
      deviceId: 'pc-1',
      upn: 'pc-1@contoso.test',
      primaryRegion: 'westeurope',
      backupRegion: 'northeurope',
      priorityTier: 2,
      wave: 2,
      state: 'queued',
      attempts: 1,
    });
    const skipped = recoveryRow({ ...base, state: 'skipped', skipReason: 'unlicensed' }, activation());
    expect(skipped).toMatchObject({ state: 'skipped', skipReason: 'unlicensed' });
    expect(skipped).not.toHaveProperty('achievedRpoMinutes');
    expect(skipped).not.toHaveProperty('timeToRecoverSeconds');
  });

  it('keeps the release time of a released device', () => {
    const row = recoveryRow(
      { ...base, state: 'released', releasedAt: '2026-01-02T00:00:00.000Z' },
      activation(),
    );
    expect(row).toMatchObject({ state: 'released', releasedAt: '2026-01-02T00:00:00.000Z' });
  });
});
