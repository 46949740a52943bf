/**
 * A smoke run of the managed-disk cycle phase (N = 20) on the shared emulators and a fresh ARM
 * double at the documented limits: every figure is measured and finite, both cycles protected
 * every device, and no call went over ARM's budget. Never how fast (benchmarks are not tests).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installServices } from '../../src/compositionRoot';
import { BenchClock, EventRecorder, WorkerLog } from '../../bench/cycle';
import { runManagedCycles, type ManagedCycleResult } from '../../bench/managedCyclePhase';
import { defaultManagedCycleSettings } from '../../bench/managedCycleSettings';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

const devices = 20;

describe('the managed-disk cycle phase (smoke run, N = 20)', () => {
  let env: TestEnvironment;
  let result: ManagedCycleResult;
  const log: string[] = [];

  beforeAll(async () => {
    env = await startTestEnvironment();
    const registeredAt = Date.parse('2026-06-01T00:00:00Z');
    const clock = new BenchClock(registeredAt);
    const events = new EventRecorder();
    installServices({ clock, events });
    result = await runManagedCycles({
      devices,
      tenantId: randomUUID(),
      ids: Array.from({ length: devices }, (_, i) => `md-${String(i).padStart(2, '0')}`),
      clock,
      events,
      workerLog: new WorkerLog(),
      dueAt: registeredAt + 3_600_000,
      concurrency: 16,
      queueHost: { visibilityTimeoutInMs: 60_000, minPollIntervalInMs: 20, maxPollIntervalInMs: 200 },
      // Small disks and a fast clock: the smoke run checks what is measured, not the model.
      settings: { ...defaultManagedCycleSettings, timeScale: 20, diskGiB: 8 },
      timeoutMs: 120_000,
      log: (line) => log.push(line),
    });
  }, 300_000);

  afterAll(async () => {
    await env?.close();
  });

  it.each(['seeding', 'steady'] as const)(
    'measures the %s cycle: finite figures, no call over budget',
    (name) => {
      const cycle = result[name];
      const m = cycle.measured;
      for (const [figure, value] of Object.entries({
        realSeconds: m.realSeconds,
        simulatedSeconds: m.simulatedSeconds,
        firstSimulatedSeconds: m.firstSimulatedSeconds,
        bound: cycle.bound.seconds,
        boundRatio: cycle.boundRatio,
        armCallsPerDevice: m.armCallsPerDevice.total,
        maxCopiesInFlight: m.maxCopiesInFlight,
      }))
        expect(Number.isFinite(value) && value > 0, `${name} ${figure} = ${value}\n${log.join('\n')}`).toBe(
          true,
        );
      expect(m.overBudget).toBe(0);
      expect(m.throttled).toBe(0);
      expect(m.maxCopiesInFlight).toBeLessThanOrEqual(100);
      expect(m.events['rpo.protected']).toBe(devices);
      // Each device snapshotted and copied at least once: the protocol's two writes.
      expect(m.armCallsPerDevice.writes).toBeGreaterThanOrEqual(2);
    },
  );

  it('says how many subscriptions 50,000 devices need for a 1-hour and a 4-hour RPO', () => {
    expect(result.fleetSubscriptions.map((f) => f.rpoHours)).toEqual([1, 4]);
    for (const f of result.fleetSubscriptions) expect(f.subscriptions).toBeGreaterThanOrEqual(1);
  });
});
