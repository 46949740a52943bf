/**
 * One device's recovery within one activation (`activationId:deviceId`): where it stands, what it
 * was recovered from and onto. States only move along `allowedMoves`, so a late or duplicated
 * message can never take a task back.
 */
import { stableHash32 } from './rpo';

export type RecoveryState =
  /** Created by planning; not yet sent to a worker. */
  | 'planned'
  /** Sent to the recovery queue. */
  | 'queued'
  /** The compute provider is creating the temporary device; a check is scheduled. */
  | 'provisioning'
  /** The backup region has no capacity or quota: retried with back-off, its restore points kept. */
  | 'waiting-for-capacity'
  | 'recovered'
  | 'failed'
  /** Not recovered, for the reason given: unlicensed, no verified restore point, already active. */
  | 'skipped'
  /** Cancelled before it was recovered. */
  | 'cancelled'
  /** Deactivation: its temporary device is being deleted. */
  | 'releasing'
  | 'released';

export const recoveryStates: readonly RecoveryState[] = [
  'planned',
  'queued',
  'provisioning',
  'waiting-for-capacity',
  'recovered',
  'failed',
  'skipped',
  'cancelled',
  'releasing',
  'released',
];

export type SkipReason =
  | 'unlicensed'
  /** Its disk lies outside its tenant's disk scopes: not the tenant's to recover. */
  | 'disk-not-in-scopes'
  | 'no-verified-restore-point'
  | 'already-active'
  | 'not-found';

const allowedMoves: Record<RecoveryState, readonly RecoveryState[]> = {
  planned: ['queued', 'cancelled', 'releasing'],
  queued: ['queued', 'provisioning', 'waiting-for-capacity', 'recovered', 'failed', 'cancelled', 'releasing'],
  provisioning: ['provisioning', 'waiting-for-capacity', 'recovered', 'failed', 'cancelled', 'releasing'],
  'waiting-for-capacity': [
    'provisioning',
    'waiting-for-capacity',
    'recovered',
    'failed',
    'cancelled',
    'releasing',
  ],
  recovered: ['releasing'],
  failed: ['releasing'],
  cancelled: ['releasing'],
  skipped: [],
  releasing: ['releasing', 'released'],
  released: [],
};

export function canMove(from: RecoveryState, to: RecoveryState): boolean {
  return allowedMoves[from].includes(to);
}

/** Where activation waits end: the device will not change state again unless deactivated. */
export function isSettled(state: RecoveryState): boolean {
  return state === 'recovered' || state === 'failed' || state === 'skipped' || state === 'cancelled';
}

/** States in which a temporary device may exist or be about to: deactivation must release them. */
export function mayHoldTemporaryDevice(state: RecoveryState): boolean {
  return (
    state === 'queued' ||
    state === 'provisioning' ||
    state === 'waiting-for-capacity' ||
    state === 'recovered' ||
    state === 'failed' ||
    state === 'cancelled' ||
    state === 'releasing'
  );
}

export interface RecoveryTask {
  /** `activationId:deviceId`. */
  id: string;
  activationId: string;
  tenantId: string;
  deviceId: string;
  upn: string;
  primaryRegion: string;
  backupRegion: string;
  priorityTier: number;
  wave: number;
  state: RecoveryState;
  skipReason?: SkipReason;
  /** Why it failed, or the last reason it is still waiting. */
  reason?: string;
  /** Deliveries that did real work; bounds retries of failures that are not about capacity. */
  attempt: number;
  /** Dispatches of this task: each new dispatch (an adoption) gets new message ids. */
  dispatch: number;
  /** The owner epoch of the driver that last dispatched it: an adopter re-dispatches older ones. */
  epoch?: number;
  /** Times it found no capacity in a row: sets the back-off. */
  capacityWaits?: number;
  restorePoint?: { name: string; takenAt: string };
  temporaryDevice?: {
    name: string;
    region: string;
    /** Where the provider made it (Azure: its resource group), so its release finds it directly. */
    scope?: string;
    /** Where its user connects (the DR host pool's session host), once assigned. */
    connection?: { hostPoolId: string; sessionHost: string };
  };
  dispatchedAt?: string;
  recoveredAt?: string;
  releasedAt?: string;
  updatedAt: string;
  version?: string;
}

export function recoveryTaskId(activationId: string, deviceId: string): string {
  return `${activationId}:${deviceId}`;
}

/**
 * The temporary device's name: fixed by the task, so every attempt, every region and every
 * duplicate converges on the same device. Within Azure's 64-character resource-name limit: a name
 * that would be longer keeps a prefix of the device id and a 64-bit hash of all of it, under its
 * own prefix (`tmh-`), so it can never equal a name of the short form (`tmp-`).
 */
export function temporaryDeviceName(activationId: string, deviceId: string): string {
  const activation = activationId.replace(/^act-/, '').slice(0, 16);
  const name = `tmp-${activation}-${deviceId}`;
  if (name.length <= 64) return name;
  const hash = [deviceId, `~${deviceId}`].map((v) => stableHash32(v).toString(16).padStart(8, '0')).join('');
  return `tmh-${activation}-${deviceId.slice(0, 64 - 4 - activation.length - 2 - hash.length)}-${hash}`;
}

/** Per-wave counts of tasks in each state, summed from the counter shards. */
export type WaveCounts = Record<number, Partial<Record<RecoveryState, number>>>;

export function countIn(counts: WaveCounts, states: readonly RecoveryState[], wave?: number): number {
  let total = 0;
  for (const [key, byState] of Object.entries(counts)) {
    if (wave !== undefined && Number(key) !== wave) continue;
    for (const state of states) total += byState[state] ?? 0;
  }
  return total;
}

export const settledStates = recoveryStates.filter(isSettled);
