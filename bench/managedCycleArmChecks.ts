/**
 * What the `managed-cycle-arm` run checks in the ARM double once its cycles are done, computed
 * where the double lives (in this thread, or in its own: managedCycleArmWorker.ts) so that only the
 * small answers cross: per device and slot how many source snapshots and copies ARM ever made, and
 * what is live at the end.
 */
import type { ArmDouble } from '../test/support/arm/startArmDouble';

export interface PerSlotCounts {
  slots: number;
  exactlyOne: number;
  missing: number;
  duplicated: number;
  examples: string[];
}

/** Per device and slot, the source snapshots and CopyStart copies ARM ever made (deleted ones too). */
export function perSlotCounts(
  double: Pick<ArmDouble, 'snapshots'>,
  devices: number,
  slotsPerDevice: number,
): PerSlotCounts {
  const counts = new Map<string, { source: number; copy: number }>();
  for (const view of double.snapshots()) {
    const device = view.tags['clouddr-device'];
    const slot = view.tags['clouddr-slot'];
    if (!device || !slot) continue;
    const key = `${view.tags['clouddr-tenant'] ?? ''}|${device}|${slot}`;
    const entry = counts.get(key) ?? { source: 0, copy: 0 };
    if (view.createOption === 'Copy') entry.source += 1;
    else entry.copy += 1;
    counts.set(key, entry);
  }
  let exactlyOne = 0;
  let duplicated = 0;
  const examples: string[] = [];
  for (const [key, entry] of counts) {
    if (entry.source === 1 && entry.copy === 1) exactlyOne += 1;
    else {
      if (entry.source > 1 || entry.copy > 1) duplicated += 1;
      if (examples.length < 5) examples.push(`${key}: ${entry.source} sources, ${entry.copy} copies`);
    }
  }
  const slots = devices * slotsPerDevice;
  return { slots, exactlyOne, missing: slots - counts.size, duplicated, examples };
}

/** Live snapshots: sources (in the primary region) and CopyStart copies. */
export function liveSnapshots(double: Pick<ArmDouble, 'snapshots'>): { sources: number; copies: number } {
  let sources = 0;
  let copies = 0;
  for (const view of double.snapshots()) {
    if (view.deleted) continue;
    if (view.createOption === 'Copy') sources += 1;
    else copies += 1;
  }
  return { sources, copies };
}
