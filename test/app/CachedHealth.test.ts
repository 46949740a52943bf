import { describe, expect, it } from 'vitest';
import { CachedHealth, healthMaxAgeInMs } from '../../src/app/CachedHealth';
import { checkHealth } from '../../src/app/checkHealth';
import type { EventLog } from '../../src/ports/EventLog';
import type { HealthProbe } from '../../src/ports/HealthProbe';
import { TestClock } from '../support/testClock';

/** A probe that counts its calls; it fails with `failure` when one is set, and waits for `gate`. */
function countingProbe(name: string, essential = true) {
  const probe = {
    name,
    essential,
    calls: 0,
    failure: undefined as string | undefined,
    gate: undefined as Promise<void> | undefined,
    async check() {
      probe.calls += 1;
      await probe.gate;
      if (probe.failure) throw new Error(probe.failure);
    },
  } satisfies HealthProbe & Record<string, unknown>;
  return probe;
}

function setUp(options: { maxAgeInMs?: number } = {}) {
  const clock = new TestClock(Date.parse('2026-03-02T00:00:00Z'));
  const probes = [countingProbe('state-store'), countingProbe('storage:northeurope', false)];
  const events: { event: string; properties: Record<string, unknown> }[] = [];
  const eventLog: EventLog = { emit: (event, properties) => void events.push({ event, properties }) };
  const health = new CachedHealth(() => checkHealth(probes), clock, eventLog, options);
  const rounds = () => probes.map((p) => p.calls);
  return { clock, probes, events, health, rounds };
}

describe('CachedHealth', () => {
  it('answers two reports within the window from one round of probe calls, and checks again after it', async () => {
    const { clock, health, rounds } = setUp();
    const first = await health.report();
    clock.time += healthMaxAgeInMs - 1;
    expect(await health.report()).toBe(first);
    expect(rounds()).toEqual([1, 1]);

    clock.time += 1;
    const second = await health.report();
    expect(second).not.toBe(first);
    expect(rounds()).toEqual([2, 2]);
  });

  it('shares one check among reports asked for while it runs', async () => {
    const { health, probes, rounds } = setUp();
    let open!: () => void;
    probes[0]!.gate = new Promise<void>((resolve) => (open = resolve));
    const waiting = Array.from({ length: 10 }, () => health.report());
    // All ten are waiting on the one check: the probes were called once.
    expect(rounds()).toEqual([1, 1]);
    open();
    const reports = await Promise.all(waiting);
    expect(new Set(reports).size).toBe(1);
    expect(rounds()).toEqual([1, 1]);
  });

  it('checks again when its clock is set back, rather than serving a report from the future', async () => {
    const { clock, health, rounds } = setUp();
    await health.report();
    clock.time -= 60_000;
    await health.report();
    expect(rounds()).toEqual([2, 2]);
  });

  it('logs each dependency that does not answer with its reason and latency, once per check', async () => {
    const { clock, health, probes, events } = setUp();
    probes[1]!.failure = 'connect ECONNREFUSED 10.1.2.3:443 (account contosodr)';
    const report = await health.report();
    expect(report).toMatchObject({ healthy: true, degraded: true });
    expect(events).toEqual([
      {
        event: 'health.dependency-unhealthy',
        properties: {
          dependency: 'storage:northeurope',
          essential: false,
          reason: 'connect ECONNREFUSED 10.1.2.3:443 (account contosodr)',
          latencyMs: expect.any(Number),
        },
      },
    ]);
    // A cached report is not a new failure.
    await health.report();
    expect(events).toHaveLength(1);
    clock.time += healthMaxAgeInMs;
    await health.report();
    expect(events).toHaveLength(2);
  });

  it('logs nothing while every dependency answers', async () => {
    const { health, events } = setUp();
    expect(await health.report()).toMatchObject({ healthy: true, degraded: false });
    expect(events).toEqual([]);
  });
});
