/**
 * When the restore-point worker looks at a pending copy again. A copy waiting for a CopyStart slot
 * is woken by its grant (`SlotWake`), so its own look is only a safety net against a lost wake-up,
 * and slow. A running copy that says how far it is gets looked at half way to when its pace says it
 * will be done — never sooner than `minInMs`, never later than `maxInMs` — so the looks thin out
 * while it runs and close in on its end: its slot goes back within about `minInMs` of the end,
 * with a handful of looks rather than one every `checkDelayInMs` (a copy of 5 minutes was 30).
 * Halving holds while the copy keeps at least half the pace it had so far; the cap bounds the
 * cost when it speeds up more than that. Anything else pending (no pace yet, an earlier copy of
 * the disk still running, a source still being created) is looked at every `checkDelayInMs`.
 */
import type { CopyStatus } from '../ports/RestorePointStore';

export interface CopyCheckDelays {
  checkDelayInMs: number;
  slotWaitCheckDelayInMs: number;
  minCopyCheckDelayInMs: number;
  maxCopyCheckDelayInMs: number;
}

export function copyCheckDelay(
  status: Extract<CopyStatus, { state: 'pending' }>,
  delays: CopyCheckDelays,
): number {
  if (status.waiting === 'copy-slot') return delays.slotWaitCheckDelayInMs;
  const progress = status.progress;
  if (!progress || !(progress.percent > 0 && progress.percent < 100) || !(progress.runningMs > 0))
    return delays.checkDelayInMs;
  const remainingMs = (progress.runningMs * (100 - progress.percent)) / progress.percent;
  return Math.round(
    Math.min(delays.maxCopyCheckDelayInMs, Math.max(delays.minCopyCheckDelayInMs, remainingMs / 2)),
  );
}
