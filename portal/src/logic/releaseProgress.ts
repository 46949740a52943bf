/**
 * How far a deactivation is: every device the activation touched goes `releasing` → `released`
 * (src/domain/recoveryTask.ts, allowedMoves) except the skipped, which never had a temporary
 * Cloud PC. The report's percentComplete keeps showing what recovery reached, so this is separate.
 */
import type { ActivationReport } from './activationTypes';

export interface ReleaseProgress {
  released: number;
  /** Devices that have or may have had a temporary Cloud PC to delete. */
  toRelease: number;
  /** 0–100, rounded down to a tenth: 100 only when every one is released. */
  percent: number;
}

export function releaseProgress(counts: ActivationReport['counts']): ReleaseProgress {
  const all = Object.values(counts).reduce((sum, n) => sum + n, 0);
  const toRelease = all - counts.skipped;
  const released = counts.released;
  const percent = toRelease === 0 ? 100 : Math.floor((released / toRelease) * 1000) / 10;
  return { released, toRelease, percent };
}
