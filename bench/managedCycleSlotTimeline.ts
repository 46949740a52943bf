/**
 * Where a managed-disk cycle spends its CopyStart slots, measured rather than assumed: from the
 * ARM double while the cycle runs, when each of the cycle's copies was PUT (the double's own
 * `timeCreated`) and when it was first seen at 100 % (sampled, so late by up to one sample); and
 * from the product's slot requests in Cosmos DB afterwards (when each was granted and released, on
 * the wall clock, mapped onto the double's; a release to the second). Per slot and copy:
 * - `detect`: the copy's end → its slot released (the worker saw it at 100 %);
 * - `grant`: a slot released → the next copy waiting granted (the k-th release frees the slot the
 *   (limit + k)-th grant takes);
 * - `start`: granted → its CopyStart PUT (the wake-up delivered, the worker's start of the copy);
 * - `idle`: a copy's end → the PUT of the copy its slot went to (the sum, as ARM sees it).
 * All in simulated seconds.
 */
import type { ArmDouble } from '../test/support/arm/startArmDouble';

export interface Spread {
  count: number;
  meanSeconds: number;
  p50Seconds: number;
  maxSeconds: number;
}

export interface SlotTimeline {
  copies: number;
  /** The first CopyStart PUT, and the one that filled the last slot (the limit-th), from the cycle's start. */
  firstPutSeconds: number;
  allSlotsBusySeconds: number;
  lastPutSeconds: number;
  /** The last copy seen at 100 %. */
  lastEndSeconds: number;
  idle: Spread;
  /** From the slot requests (undefined where they could not be read). */
  detect?: Spread;
  grant?: Spread;
  start?: Spread;
  /** How often the double was sampled: simulated seconds between samples, on average. */
  sampleEverySeconds: number;
}

/** A slot request's times (wall-clock ms) as CosmosCopySlots stores it (managedCycleSlotRequests.ts). */
export interface SlotRequestTimes {
  copyId: string;
  grantedAtMs?: number;
  /** To the second. */
  releasedAtMs?: number;
}

interface SeenCopy {
  id: string;
  createdAt: number;
  doneAt?: number;
}

export class SlotSampler {
  private readonly copies = new Map<string, SeenCopy>();
  private samples = 0;
  private lastSampleAt: number | undefined;
  /** Wall-clock ms at the cycle's start, to put the slot requests' times on the double's clock. */
  private readonly wallStart = Date.now();

  constructor(
    private readonly double: ArmDouble,
    private readonly simStart: number,
  ) {}

  sample(): void {
    const now = this.double.clock();
    this.samples += 1;
    this.lastSampleAt = now;
    for (const s of this.double.snapshots()) {
      if (s.createOption !== 'CopyStart' || s.timeCreated < this.simStart) continue;
      const seen = this.copies.get(s.id) ?? { id: s.id.toLowerCase(), createdAt: s.timeCreated };
      if (seen.doneAt === undefined && s.completionPercent === 100) seen.doneAt = now;
      this.copies.set(s.id, seen);
    }
  }

  timeline(limit: number, requests?: readonly SlotRequestTimes[]): SlotTimeline {
    const scale = this.double.stats().timeScale;
    const seconds = (ms: number) => (ms - this.simStart) / 1000;
    /** A wall-clock time written by the product, in simulated seconds from the cycle's start. */
    const wallSeconds = (ms: number) => ((ms - this.wallStart) * scale) / 1000;
    const copies = [...this.copies.values()];
    const puts = sorted(copies.map((c) => seconds(c.createdAt)));
    const ends = sorted(copies.filter((c) => c.doneAt !== undefined).map((c) => seconds(c.doneAt!)));
    const timeline: SlotTimeline = {
      copies: copies.length,
      firstPutSeconds: puts[0] ?? NaN,
      allSlotsBusySeconds: puts[Math.min(limit, puts.length) - 1] ?? NaN,
      lastPutSeconds: puts.at(-1) ?? NaN,
      lastEndSeconds: ends.at(-1) ?? NaN,
      idle: spread(handovers(ends, puts, limit)),
      sampleEverySeconds:
        this.samples > 1 && this.lastSampleAt !== undefined ? seconds(this.lastSampleAt) / this.samples : NaN,
    };
    if (!requests) return timeline;
    // A request's copy id is its target's ARM id (lower case), `#n` for a later generation.
    const byTarget = new Map(copies.map((c) => [c.id, c]));
    const mine = requests.filter((r) => byTarget.has(r.copyId.split('#')[0]!));
    const detect: number[] = [];
    const start: number[] = [];
    for (const r of mine) {
      const copy = byTarget.get(r.copyId.split('#')[0]!)!;
      if (r.releasedAtMs !== undefined && copy.doneAt !== undefined)
        detect.push(wallSeconds(r.releasedAtMs) - seconds(copy.doneAt));
      if (r.grantedAtMs !== undefined) start.push(seconds(copy.createdAt) - wallSeconds(r.grantedAtMs));
    }
    const releases = sorted(
      mine.filter((r) => r.releasedAtMs !== undefined).map((r) => wallSeconds(r.releasedAtMs!)),
    );
    const grants = sorted(
      mine.filter((r) => r.grantedAtMs !== undefined).map((r) => wallSeconds(r.grantedAtMs!)),
    );
    return {
      ...timeline,
      detect: spread(detect),
      grant: spread(handovers(releases, grants, limit)),
      start: spread(start),
    };
  }
}

/** The k-th event that frees a slot against the (limit + k)-th that takes one. */
function handovers(frees: readonly number[], takes: readonly number[], limit: number): number[] {
  const gaps: number[] = [];
  for (let k = 0; limit + k < takes.length && k < frees.length; k += 1)
    gaps.push(Math.max(0, takes[limit + k]! - frees[k]!));
  return gaps;
}

function sorted(values: number[]): number[] {
  return values.sort((a, b) => a - b);
}

function spread(values: readonly number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return { count: 0, meanSeconds: 0, p50Seconds: 0, maxSeconds: 0 };
  return {
    count: s.length,
    meanSeconds: s.reduce((a, b) => a + b, 0) / s.length,
    p50Seconds: s[Math.floor(s.length / 2)]!,
    maxSeconds: s.at(-1)!,
  };
}
