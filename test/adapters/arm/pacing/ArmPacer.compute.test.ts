/**
 * Compute's PUT VM policies paced ahead of a 429 (src/adapters/arm/pacing/computePolicies.ts), on
 * virtual time against the model of ARM's buckets and Compute's policies behind them
 * (./armModel). Through the real SDK client against the ARM double: ./ArmPacer.double.test.ts.
 */
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { ArmPacer, type ArmPacerOptions } from '../../../../src/adapters/arm/pacing/ArmPacer';
import { ArmModel, snapshotUrl, subscription, vmBody, vmUrl } from './armModel';
import { virtualTime } from './virtualTime';

const putVm3Min = 'Microsoft.Compute/PutVM3Min';
const putVm30Min = 'Microsoft.Compute/PutVM30Min';

function setUp(computePolicies: Record<string, [number, number]>, options: Partial<ArmPacerOptions> = {}) {
  const timer = virtualTime();
  const events: { event: string; properties: Record<string, unknown> }[] = [];
  const pacer = new ArmPacer(
    { emit: (event, properties) => events.push({ event, properties }) },
    { region: 'westeurope', timer, maxWaitInMs: 10_000_000, ...options },
  );
  const arm = new ArmModel(timer, undefined, computePolicies);
  const putVm = (name: string, location = 'westeurope') =>
    pacer
      .policy()
      .sendRequest(
        createPipelineRequest({ method: 'PUT', url: vmUrl(subscription, name), body: vmBody(location) }),
        arm.send,
      );
  const putSnapshot = (name: string) =>
    pacer
      .policy()
      .sendRequest(createPipelineRequest({ method: 'PUT', url: snapshotUrl(subscription, name) }), arm.send);
  const sentAt = (name: string) => arm.sent.find((s) => new URL(s.url).pathname.endsWith(`/${name}`))!.at;
  return { timer, events, pacer, arm, putVm, putSnapshot, sentAt };
}

describe("ArmPacer and Compute's PUT VM policies", () => {
  it('paces VM PUTs by the policy of their subscription and region ahead of a 429; other writes and regions are not held', async () => {
    const limits = { [putVm3Min]: [4, 1] as [number, number] };
    const { arm, putVm, putSnapshot, timer, sentAt } = setUp(limits, {
      computeLimits: { [putVm3Min]: { capacity: 4, refillPerSecond: 1 } },
    });
    const start = timer.now;
    await Promise.all([
      ...Array.from({ length: 12 }, (_, i) => putVm(`vm-${i}`)),
      ...Array.from({ length: 12 }, (_, i) => putVm(`north-${i}`, 'northeurope')),
      ...Array.from({ length: 12 }, (_, i) => putSnapshot(`snap-${i}`)),
    ]);
    expect(arm.refused('compute')).toBe(0);
    expect(arm.refused('arm')).toBe(0);
    // West Europe's: a probe after one token (1 s), the three it reported left, then one a second.
    expect(sentAt('vm-0') - start).toBe(1_000);
    expect(sentAt('vm-3') - start).toBe(1_000);
    expect(sentAt('vm-11') - start).toBeGreaterThanOrEqual(9_000);
    expect(sentAt('vm-11') - start).toBeLessThanOrEqual(9_500);
    // North Europe's paced alike on their own policy; the snapshots only by ARM's write bucket.
    expect(sentAt('north-3') - start).toBe(1_000);
    expect(Math.max(...Array.from({ length: 12 }, (_, i) => sentAt(`snap-${i}`))) - start).toBe(100);
  });

  it("pauses on Compute's 429 only the VM PUTs of that policy: the subscription's other writes and other regions go on", async () => {
    // The pacer is told more than Compute grants, so Compute refuses one.
    const { arm, events, putVm, putSnapshot, timer, sentAt } = setUp(
      { [putVm3Min]: [2, 0.1] },
      { computeLimits: { [putVm3Min]: { capacity: 100, refillPerSecond: 10 } } },
    );
    await Promise.all([putVm('vm-0'), putVm('vm-1')]);
    const refused = await putVm('vm-2');
    expect(refused.status).toBe(429);
    expect(arm.refused('compute')).toBe(1);
    const refusedAt = timer.now;
    await Promise.all([putSnapshot('snap'), putVm('north', 'northeurope'), putVm('vm-3')]);
    expect(sentAt('snap') - refusedAt).toBeLessThanOrEqual(100);
    expect(sentAt('north') - refusedAt).toBeLessThanOrEqual(100);
    // Compute said 10 s (one token at 0.1 a second).
    expect(sentAt('vm-3') - refusedAt).toBeGreaterThanOrEqual(10_000);
    expect(arm.refused('compute')).toBe(1);
    expect(events.find((e) => e.event === 'arm.throttled')!.properties).toMatchObject({
      kind: 'write',
      source: 'provider',
      policy: putVm3Min,
      retryAfterMs: 10_000,
    });
  });

  it('paces by a policy it learns from the answers (PutVM30Min), whose figures are not documented', async () => {
    // Compute has a second policy the pacer was not told of: 5, refilled over 30 minutes.
    const { arm, putVm, sentAt } = setUp(
      { [putVm3Min]: [100, 10], [putVm30Min]: [5, 5 / 1_800] },
      { computeLimits: { [putVm3Min]: { capacity: 100, refillPerSecond: 10 } } },
    );
    await Promise.all(Array.from({ length: 10 }, (_, i) => putVm(`vm-${i}`)));
    // Paced by PutVM3Min alone the ten would have gone at once and five met PutVM30Min empty.
    expect(arm.refused('compute')).toBe(0);
    // After the first answer named it, the next waited for the learned policy's refill (its
    // largest report, 4, over 30 minutes: a token per 450 s), not for PutVM3Min's.
    expect(sentAt('vm-1') - sentAt('vm-0')).toBeGreaterThanOrEqual(450_000);
  });
});
