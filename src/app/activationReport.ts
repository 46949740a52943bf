/**
 * An activation's progress as the status URL shows it: counts per state from the counter shards
 * (no scan), per-wave progress, the measured RTO and an estimate of what remains.
 */
import { waveLabel, type Activation } from '../domain/activation';
import {
  countIn,
  recoveryStates,
  settledStates,
  type RecoveryState,
  type RecoveryTask,
  type WaveCounts,
} from '../domain/recoveryTask';

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
  /** Devices settled (recovered, failed, skipped, cancelled) of all targeted, 0–100. */
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
  const settled = countIn(counts, settledStates);
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
        percentComplete: percent(countIn(counts, settledStates, wave), waveTotal),
        ...(record ?? {}),
      };
    })
    .filter((w) => w.total > 0);
  const report: ActivationReport = {
    ...rest,
    total,
    counts: byState(counts),
    percentComplete: total === 0 && activation.state !== 'planning' ? 100 : percent(settled, total),
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
      report.etaSeconds = seconds((total - settled) / rate);
    }
  }
  return report;
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
