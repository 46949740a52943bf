/**
 * Where a `managed-cycle-arm` cycle spent its CopyStart slots, from the ARM double's snapshots at
 * the cycle's end: each copy's PUT (the double's `timeCreated`) and its end, computed as the double
 * computes it (rules copy.throughput and copy.minimumDuration: the PUT's operation, then the larger
 * of the minimum and the data ÷ throughput) — exact, since each disk has one copy per cycle, its
 * previous one long done. Per (subscription, backup region): when every slot was first busy, how long
 * a slot stood idle between a copy's end and the PUT of the copy it went to (the k-th end hands its
 * slot to the (limit + k)-th PUT), and the slots' busy share until the last end. Simulated seconds
 * from the cycle's start.
 */
import type { ArmDouble } from '../test/support/arm/startArmDouble';

export interface CopyTimeline {
  copies: number;
  firstPutSeconds: number;
  /** The latest, over subscriptions, of the PUT that filled its last slot. */
  allSlotsBusySeconds: number;
  lastPutSeconds: number;
  lastEndSeconds: number;
  /** A slot's idle time between a copy's end and the next copy's PUT. */
  handover: { count: number; meanSeconds: number; maxSeconds: number };
  /** Slot-seconds held (PUT to end) ÷ slot-seconds there were from the start to the last end. */
  slotBusyShare: number;
}

export function copyTimeline(
  double: ArmDouble,
  o: {
    startedAt: number;
    /** Slots per (subscription, region). */
    limit: number;
    gibPerHour: number;
    minimumSeconds: number;
  },
): CopyTimeline {
  const lroMs = double.stats().limits.lroMs;
  const byKey = new Map<string, { puts: number[]; ends: number[] }>();
  for (const s of double.snapshots()) {
    if (s.createOption !== 'CopyStart' || s.timeCreated < o.startedAt || s.copyGiB === undefined) continue;
    const copyMs = Math.max(o.minimumSeconds * 1000, (s.copyGiB / o.gibPerHour) * 3_600_000);
    const key = `${s.subscriptionId.toLowerCase()}|${s.location}`;
    const entry = byKey.get(key) ?? { puts: [], ends: [] };
    entry.puts.push(s.timeCreated - o.startedAt);
    entry.ends.push(s.timeCreated + lroMs + copyMs - o.startedAt);
    byKey.set(key, entry);
  }
  let copies = 0;
  let firstPut = Number.POSITIVE_INFINITY;
  let allBusy = 0;
  let lastPut = 0;
  let lastEnd = 0;
  let held = 0;
  const gaps: number[] = [];
  for (const { puts, ends } of byKey.values()) {
    puts.sort((a, b) => a - b);
    ends.sort((a, b) => a - b);
    copies += puts.length;
    for (let i = 0; i < puts.length; i += 1) held += ends[i]! - puts[i]!;
    firstPut = Math.min(firstPut, puts[0]!);
    allBusy = Math.max(allBusy, puts[Math.min(o.limit, puts.length) - 1]!);
    lastPut = Math.max(lastPut, puts.at(-1)!);
    lastEnd = Math.max(lastEnd, ends.at(-1)!);
    for (let k = 0; o.limit + k < puts.length; k += 1) gaps.push(Math.max(0, puts[o.limit + k]! - ends[k]!));
  }
  const sum = gaps.reduce((a, b) => a + b, 0);
  const s = (ms: number) => Math.round(ms / 100) / 10;
  return {
    copies,
    firstPutSeconds: copies ? s(firstPut) : Number.NaN,
    allSlotsBusySeconds: s(allBusy),
    lastPutSeconds: s(lastPut),
    lastEndSeconds: s(lastEnd),
    handover: {
      count: gaps.length,
      meanSeconds: gaps.length ? Math.round(sum / gaps.length) / 1000 : 0,
      maxSeconds: s(gaps.reduce((a, b) => Math.max(a, b), 0)),
    },
    slotBusyShare:
      lastEnd > 0 ? Math.round((held / (o.limit * byKey.size * lastEnd)) * 1000) / 1000 : Number.NaN,
  };
}
