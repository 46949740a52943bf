/**
 * A disaster-recovery activation: which devices it targets, in what order, who drives it and
 * where it stands. Per-device progress lives in recovery tasks (`recoveryTask.ts`).
 */
export type ActivationScope =
  /** Every device of the tenant whose primary region is this one. */
  | { kind: 'region'; region: string }
  | { kind: 'devices'; deviceIds: string[] }
  /** Devices of these priority tiers, optionally only those of one primary region. */
  | { kind: 'tiers'; tiers: number[]; region?: string };

/** The scope in a few words, for logs and the audit trail. */
export function describeScope(scope: ActivationScope): string {
  switch (scope.kind) {
    case 'region':
      return `region ${scope.region}`;
    case 'devices':
      return `${scope.deviceIds.length} listed device(s)`;
    case 'tiers':
      return `tiers ${scope.tiers.join(', ')}${scope.region ? ` of region ${scope.region}` : ''}`;
  }
}

export type ActivationState =
  /** Recovery tasks are being created from the scope, page by page. */
  | 'planning'
  /** Waves are being dispatched and recovered. */
  | 'recovering'
  /** Every task reached an end: recovered, failed, skipped or cancelled. */
  | 'completed'
  /** Cancel asked: nothing more is dispatched; what is recovered stays. */
  | 'cancelled'
  /** Deactivation asked: temporary devices are being released. */
  | 'deactivating'
  | 'deactivated';

/** The control-plane region driving the activation, while its lease lasts. */
export interface ActivationOwner {
  region: string;
  /** Raised by each adoption; a driver whose epoch is older stops at its next step. */
  epoch: number;
  /** Wall-clock time, judged by the observer's own clock. */
  leaseUntil: string;
}

export interface WaveRecord {
  wave: number;
  startedAt: string;
  /** Waiting for the wave ends here; its devices keep recovering afterwards. */
  deadlineAt: string;
  endedAt?: string;
  outcome?: 'done' | 'deadline' | 'cancelled';
}

export interface Activation {
  id: string;
  tenantId: string;
  idempotencyKey: string;
  /** Fingerprint of the request: the same key with a different request is refused. */
  requestHash: string;
  scope: ActivationScope;
  /** Devices recovered before any tier, in this order. */
  recoverFirst: string[];
  waveDeadlineMinutes: number;
  state: ActivationState;
  requestedBy: string;
  requestedAt: string;
  plannedAt?: string;
  /** The last device recovered: request to here is the measured RTO. */
  lastRecoveredAt?: string;
  completedAt?: string;
  cancelledAt?: string;
  deactivationRequestedBy?: string;
  deactivationRequestedAt?: string;
  deactivatedAt?: string;
  waves: WaveRecord[];
  owner: ActivationOwner;
  updatedAt: string;
  version?: string;
}

/** Wave 0 is the explicit first list; waves 1–10 are the priority tiers, most important first. */
export const firstListWave = 0;
export const lastWave = 10;

export function waveOf(
  device: { id: string; priorityTier: number },
  recoverFirst: ReadonlySet<string>,
): number {
  return recoverFirst.has(device.id) ? firstListWave : device.priorityTier;
}

export function waveLabel(wave: number): string {
  return wave === firstListWave ? 'recover-first' : `tier-${wave}`;
}

/** Whether the activation plans a task for the device: its first list, or its scope as planning reads it. */
export function activationTargets(
  activation: Pick<Activation, 'scope' | 'recoverFirst'>,
  device: { id: string; primaryRegion: string; priorityTier: number },
): boolean {
  if (activation.recoverFirst.includes(device.id)) return true;
  const scope = activation.scope;
  switch (scope.kind) {
    case 'region':
      return device.primaryRegion === scope.region;
    case 'devices':
      return scope.deviceIds.includes(device.id);
    case 'tiers':
      return (
        scope.tiers.includes(device.priorityTier) &&
        (scope.region === undefined || scope.region === device.primaryRegion)
      );
  }
}

/** States in which the activation still needs a driver. */
export function isDriven(state: ActivationState): boolean {
  return state === 'planning' || state === 'recovering' || state === 'deactivating';
}

export function leaseExpired(owner: ActivationOwner, now: Date): boolean {
  return new Date(owner.leaseUntil).getTime() < now.getTime();
}

/** The orchestration instance of one epoch: a new epoch starts a new instance, never reuses one. */
export function orchestrationInstanceId(
  activationId: string,
  epoch: number,
  kind: 'activate' | 'deactivate',
): string {
  return `${activationId}-${kind}-e${epoch}`;
}
