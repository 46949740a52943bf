/**
 * An activation's progress as the status URL shows it: counts per state from the counter shards
 * (no scan), per-wave progress, the measured RTO and an estimate of what remains.
 */
import { waveLabel, type Activation } from '../domain/activation';
import {
  countIn,
  recoveryStates,
  type RecoveryState,
  type RecoveryTask,
  type WaveCounts,
} from '../domain/recoveryTask';

/**
 * The states in which a device's recovery in this activation has ended for good, whichever way:
 * - `recovered`: on its temporary device;
 * - `failed`: retries exhausted, the reason given;
 * - `skipped`: never to be recovered by this activation (unlicensed, no verified point, disk out of
 *   the tenant's scopes, held by another activation), the reason given — it counts from planning on;
 * - `cancelled`: the activation was cancelled before it was dispatched;
 * - `releasing`, `released`: deactivation ended its recovery, whatever state it had reached.
 * Not final: `planned`, `queued`, `provisioning`, `waiting-for-capacity`. A task only ever moves
 * from a state that is not final to one that is, or between final ones (`recovered` → `releasing`
 * → `released`), so the number of final tasks never falls. (The driver's own notion, `settledStates`,
 * leaves deactivation out: it only waits while recovering.)
 */
export const finalStates: readonly RecoveryState[] = [
  'recovered',
  'failed',
  'skipped',
  'cancelled',
  'releasing',
  'released',
];

/** The highest share shown before the activation has completed. */
const beforeCompletion = 99.9;

export interface WaveProgress {
  wave: number;
  label: string;
  total: number;
  counts: Record<RecoveryState, number>;
  percentComplete: number;
  startedAt?: string;
  deadlineAt?: string;
  endedAt?: string;
  outcome?: string;
}

export interface ActivationReport extends Omit<Activation, 'version' | 'requestHash'> {
  total: number;
  counts: Record<RecoveryState, number>;
  /** Devices in a final state (`finalStates`) of all in scope, 0–100: see `overallPercent`. */
  percentComplete: number;
  waveProgress: WaveProgress[];
  /** Request to the last device recovered, once the activation completed; elapsed so far before. */
  rtoSeconds?: number;
  /** While recovering: what remains at the rate recovered so far. */
  etaSeconds?: number;
  version?: string;
}

export function activationReport(activation: Activation, counts: WaveCounts, now: Date): ActivationReport {
  const { requestHash: _hash, ...rest } = activation;
  const total = countIn(counts, recoveryStates);
  const final = countIn(counts, finalStates);
  const notFinal = total - final;
  const waves = Object.keys(counts)
    .map(Number)
    .sort((a, b) => a - b)
    .map((wave): WaveProgress => {
      const waveTotal = countIn(counts, recoveryStates, wave);
      const record = activation.waves.find((w) => w.wave === wave);
      return {
        wave,
        label: waveLabel(wave),
        total: waveTotal,
        counts: byState(counts, wave),
        percentComplete: percent(countIn(counts, finalStates, wave), waveTotal),
        ...(record ?? {}),
      };
    })
    .filter((w) => w.total > 0);
  const report: ActivationReport = {
    ...rest,
    total,
    counts: byState(counts),
    percentComplete: overallPercent(activation, final, total),
    waveProgress: waves,
  };
  const requestedAt = Date.parse(activation.requestedAt);
  if (activation.state === 'completed' && activation.lastRecoveredAt) {
    report.rtoSeconds = seconds(Date.parse(activation.lastRecoveredAt) - requestedAt);
  } else if (activation.state === 'planning' || activation.state === 'recovering') {
    const elapsed = now.getTime() - requestedAt;
    report.rtoSeconds = seconds(elapsed);
    const recovered = report.counts.recovered;
    const firstStart = activation.waves[0]?.startedAt;
    if (activation.state === 'recovering' && recovered > 0 && firstStart) {
      const rate = recovered / Math.max(1, now.getTime() - Date.parse(firstStart));
      report.etaSeconds = seconds(notFinal / rate);
    }
  }
  return report;
}

/**
 * Devices in a final state of all devices in scope, 0–100, rounded down to a tenth. Over the polls
 * of one activation it never falls, and it is 100 exactly once the activation has completed:
 * - `planning`: 0. Tasks are still being added page by page, so the devices in scope are not all
 *   known; any share of those known so far would fall as more pages are added.
 * - `recovering`, `cancelled`: final ÷ in scope, at most 99.9 — every device may have its end while
 *   the driver has not yet recorded completion, and a cancelled activation never completes (its
 *   `state` says it ended).
 * - `completed`: 100. The driver completes an activation only once every device has its end.
 * - `deactivating`, `deactivated`: what recovery reached stays shown, as deactivation moves each
 *   device to `releasing` and `released`, which are final: 100 after an activation that completed,
 *   else final ÷ in scope, at most 99.9. How far the release is comes from `counts`
 *   (`releasing`, `released`).
 */
export function overallPercent(activation: Activation, final: number, total: number): number {
  if (activation.state === 'planning') return 0;
  if (activation.completedAt !== undefined) return 100;
  return Math.min(beforeCompletion, percent(final, total));
}

function byState(counts: WaveCounts, wave?: number): Record<RecoveryState, number> {
  return Object.fromEntries(recoveryStates.map((s) => [s, countIn(counts, [s], wave)])) as Record<
    RecoveryState,
    number
  >;
}

function percent(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.floor((part / whole) * 1000) / 10;
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}

/** One device's row of the activation report: the point it was recovered from and how long it took. */
export interface RecoveryRow {
  deviceId: string;
  upn: string;
  primaryRegion: string;
  backupRegion: string;
  priorityTier: number;
  wave: number;
  state: RecoveryState;
  skipReason?: string;
  reason?: string;
  attempts: number;
  restorePoint?: string;
  restorePointTakenAt?: string;
  achievedRpoMinutes?: number;
  temporaryDevice?: string;
  temporaryDeviceRegion?: string;
  dispatchedAt?: string;
  recoveredAt?: string;
  timeToRecoverSeconds?: number;
  releasedAt?: string;
}

export function recoveryRow(task: RecoveryTask, activation: Activation): RecoveryRow {
  const requestedAt = Date.parse(activation.requestedAt);
  const row: RecoveryRow = {
    deviceId: task.deviceId,
    upn: task.upn,
    primaryRegion: task.primaryRegion,
    backupRegion: task.backupRegion,
    priorityTier: task.priorityTier,
    wave: task.wave,
    state: task.state,
    attempts: task.attempt,
  };
  if (task.skipReason) row.skipReason = task.skipReason;
  if (task.reason) row.reason = task.reason;
  if (task.restorePoint) {
    row.restorePoint = task.restorePoint.name;
    row.restorePointTakenAt = task.restorePoint.takenAt;
    row.achievedRpoMinutes = Math.floor((requestedAt - Date.parse(task.restorePoint.takenAt)) / 60_000);
  }
  if (task.temporaryDevice) {
    row.temporaryDevice = task.temporaryDevice.name;
    row.temporaryDeviceRegion = task.temporaryDevice.region;
  }
  if (task.dispatchedAt) row.dispatchedAt = task.dispatchedAt;
  if (task.recoveredAt) {
    row.recoveredAt = task.recoveredAt;
    row.timeToRecoverSeconds = seconds(Date.parse(task.recoveredAt) - requestedAt);
  }
  if (task.releasedAt) row.releasedAt = task.releasedAt;
  return row;
}
