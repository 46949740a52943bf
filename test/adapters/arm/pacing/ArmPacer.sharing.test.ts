/**
 * Pacers sharing one principal's buckets (src/adapters/arm/pacing/pacerRoster.ts), on virtual time
 * against the model of ARM's buckets (./armModel): in one process through the exact in-process
 * roster, and with a roster scripted by the test for what only a cross-process roster does (a
 * member not yet admitted, a share learned among others). Across processes against the ARM double
 * and Cosmos DB: ./ArmPacer.double.test.ts.
 */
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { ArmPacer, type ArmPacerOptions } from '../../../../src/adapters/arm/pacing/ArmPacer';
import { LocalPacerRoster, LocalRosterGroup } from '../../../../src/adapters/arm/pacing/LocalPacerRoster';
import type { PacerRoster, RosterView } from '../../../../src/adapters/arm/pacing/pacerRoster';
import { UnavailableError } from '../../../../src/domain/errors';
import { ArmModel, snapshotUrl, subscription } from './armModel';
import { quiesce, virtualTime, type VirtualTime } from './virtualTime';

function pacerOn(
  arm: ArmModel,
  timer: VirtualTime,
  options: Partial<ArmPacerOptions>,
): { pacer: ArmPacer; put: (name: string) => Promise<number> } {
  const pacer = new ArmPacer({ emit: () => undefined }, { region: 'westeurope', timer, ...options });
  const put = async (name: string) =>
    (
      await pacer
        .policy()
        .sendRequest(createPipelineRequest({ method: 'PUT', url: snapshotUrl(subscription, name) }), arm.send)
    ).status;
  return { pacer, put };
}

/** A roster whose view the test sets, as a cross-process roster would report it. */
class ScriptedRoster implements PacerRoster {
  current: RosterView = { admitted: false, members: 1, epoch: 0 };
  readonly busyCalls: [string, boolean][] = [];
  private readonly listeners: (() => void)[] = [];
  view(): RosterView {
    return this.current;
  }
  busy(scope: string, busy: boolean): void {
    this.busyCalls.push([scope, busy]);
  }
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }
  set(view: RosterView): void {
    this.current = view;
    for (const listener of this.listeners) listener();
  }
  async close(): Promise<void> {}
}

/** How many calls a pacer sent (its snapshots' name prefix). */
const sentBy = (arm: ArmModel, prefix: string) =>
  arm.sent.filter((s) => s.url.includes(`/snapshots/${prefix}`)).length;

describe('ArmPacer sharing a principal with the other pacers of its process', () => {
  it('two pacers together never send into an empty bucket, and share its refill evenly; two that each assume the bucket is theirs do', async () => {
    const run = async (shared: boolean) => {
      const timer = virtualTime();
      const arm = new ArmModel(timer);
      // A member idle for a second leaves (on the test's clock), so the last one's calls go at
      // the whole refill, not at the half a lingering member would leave it.
      const group = new LocalRosterGroup(1_000, () => timer.now);
      const options = (): Partial<ArmPacerOptions> => ({
        maxWaitInMs: 600_000,
        ...(shared ? { roster: new LocalPacerRoster(group) } : {}),
      });
      const a = pacerOn(arm, timer, options());
      const b = pacerOn(arm, timer, options());
      const start = timer.now;
      const statuses = await Promise.all([
        ...Array.from({ length: 400 }, (_, i) => a.put(`a${i}`)),
        ...Array.from({ length: 400 }, (_, i) => b.put(`b${i}`)),
      ]);
      return { arm, start, end: timer.now, statuses };
    };

    const shared = await run(true);
    expect(shared.arm.refused('arm')).toBe(0);
    expect(shared.statuses.every((s) => s === 200)).toBe(true);
    // Between the bursts and the end, each had half the refill: 5 writes a second each.
    const window = (from: number, to: number, prefix: string) =>
      shared.arm.sent.filter(
        (s) =>
          s.url.includes(`/snapshots/${prefix}`) && s.at >= shared.start + from && s.at < shared.start + to,
      ).length;
    const [fromA, fromB] = [window(10_000, 50_000, 'a'), window(10_000, 50_000, 'b')];
    expect(fromA + fromB).toBeGreaterThanOrEqual(0.95 * 400);
    expect(Math.min(fromA, fromB)).toBeGreaterThanOrEqual(0.45 * (fromA + fromB));
    // 800 writes through a bucket of 200 refilled at 10 a second: 60 s if one pacer held it all.
    // The two shares cost the burst the later probe cannot count as its own (the other may still
    // hold its half: up to 10 s of refill here; 70.7 s measured), the probes' waits and the
    // linger's second at half the refill.
    expect(shared.end - shared.start).toBeLessThanOrEqual(72_000);

    // Each alone in its own eyes, as every pacer was before the roster: each learns the full bucket
    // from its probe and both spend it.
    const alone = await run(false);
    expect(alone.arm.refused('arm')).toBeGreaterThan(0);
  });

  it('cuts a member’s share the moment another joins: it spends no more than its half of what it held', async () => {
    const timer = virtualTime('manual');
    const arm = new ArmModel(timer);
    const group = new LocalRosterGroup();
    const a = pacerOn(arm, timer, { roster: new LocalPacerRoster(group), maxWaitInMs: 600_000 });
    const b = pacerOn(arm, timer, { roster: new LocalPacerRoster(group), maxWaitInMs: 600_000 });
    // A alone: its probe learns the whole bucket, and 20 s of idling keep it full.
    const probe = a.put('probe');
    await timer.advance(100);
    await probe;
    await timer.advance(20_000);
    // B joins (its first call waits for its first token), then A asks for 150 at once.
    const fromB = b.put('b0');
    await quiesce();
    const burst = Array.from({ length: 150 }, (_, i) => a.put(`a${i}`));
    await quiesce();
    // A's share is now half the bucket: 100 go, the rest wait for its half of the refill.
    expect(sentBy(arm, 'a')).toBe(100);
    await timer.advance(60_000);
    await Promise.all([fromB, ...burst]);
    expect(arm.refused('arm')).toBe(0);
  });

  it('gives a member’s share back to the others once it has been idle past the linger', async () => {
    const timer = virtualTime('manual');
    const arm = new ArmModel(timer);
    let wall = 0;
    const group = new LocalRosterGroup(5_000, () => wall);
    const rosterA = new LocalPacerRoster(group);
    const rosterB = new LocalPacerRoster(group);
    const a = pacerOn(arm, timer, { roster: rosterA, maxWaitInMs: 600_000 });
    const b = pacerOn(arm, timer, { roster: rosterB, maxWaitInMs: 600_000 });
    const both = [a.put('a0'), b.put('b0')];
    await timer.advance(1_000);
    await Promise.all(both);
    expect(rosterA.view(subscription).members).toBe(2);
    // A keeps calling; B has no call for longer than the linger: A shares with nobody any more,
    // and its next calls go at the whole refill.
    const more = Array.from({ length: 300 }, (_, i) => a.put(`a${i + 1}`));
    await quiesce();
    wall += 5_001;
    expect(rosterA.view(subscription)).toMatchObject({ admitted: true, members: 1 });
    expect(rosterB.view(subscription).admitted).toBe(false);
    const before = sentBy(arm, 'a');
    await timer.advance(10_000);
    expect(sentBy(arm, 'a') - before).toBeGreaterThanOrEqual(95);
    await timer.advance(60_000);
    await Promise.all(more);
    expect(arm.refused('arm')).toBe(0);
  });
});

describe('ArmPacer with a roster across processes (scripted here)', () => {
  it('sends nothing until admitted, and refuses a call whose wait for admission reaches its bound', async () => {
    const timer = virtualTime('manual');
    const arm = new ArmModel(timer);
    const roster = new ScriptedRoster();
    const { put } = pacerOn(arm, timer, { roster, maxWaitInMs: 10_000 });
    const refusedCall = put('first').catch((err: unknown) => err);
    await timer.advance(5_000);
    const admittedCall = put('second');
    await timer.advance(5_000);
    expect(await refusedCall).toBeInstanceOf(UnavailableError);
    expect(arm.sent).toHaveLength(0);
    expect(roster.busyCalls[0]).toEqual([subscription, true]);
    // Admitted among 1: the waiting call goes once its share holds a token.
    roster.set({ admitted: true, members: 1, epoch: 1 });
    await timer.advance(100);
    expect(await admittedCall).toBe(200);
    await quiesce();
    expect(roster.busyCalls.at(-1)).toEqual([subscription, false]);
  });

  it('learns its share from its probe as what remains once every other member’s share is taken off as if full', async () => {
    const timer = virtualTime('manual');
    const arm = new ArmModel(timer);
    const roster = new ScriptedRoster();
    roster.set({ admitted: true, members: 2, epoch: 1 });
    const { pacer, put } = pacerOn(arm, timer, { roster, maxWaitInMs: 600_000 });
    arm.spend(subscription, 'write', 40);
    // The probe after one token at half the refill (200 ms): ARM holds 160 and two of refill, and
    // reports 161 once the probe's is taken.
    const probe = put('probe');
    await timer.advance(200);
    await probe;
    // The other member's share may hold up to 100: 61 are this one's.
    expect(pacer.snapshot()[0]!.tokens).toBe(61);
    // Losing admission forfeits the share; admitted again (a new epoch), it starts empty.
    roster.set({ admitted: false, members: 2, epoch: 1 });
    expect(pacer.snapshot()[0]!.tokens).toBe(0);
    roster.set({ admitted: true, members: 2, epoch: 2 });
    expect(pacer.snapshot()[0]!.tokens).toBe(0);
  });
});
