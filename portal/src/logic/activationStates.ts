/**
 * How the portal names an activation's states and its devices' states, which of them are settled
 * (nothing moves any more, so the watch page stops polling), and what an admin may still do.
 */
import type {
  ActivationScope,
  ActivationState,
  RecoveryState,
  SkipReason,
  WaveProgress,
} from './activationTypes';

/** Fluent Badge colours; the label is always shown beside the colour. */
export type BadgeColor =
  'brand' | 'danger' | 'important' | 'informative' | 'severe' | 'subtle' | 'success' | 'warning';

export const activationStateLabels: Record<ActivationState, string> = {
  planning: 'Planning',
  recovering: 'Recovering',
  completed: 'Completed',
  cancelled: 'Cancelled',
  deactivating: 'Deactivating',
  deactivated: 'Deactivated',
};

export const activationStateColors: Record<ActivationState, BadgeColor> = {
  planning: 'informative',
  recovering: 'brand',
  completed: 'success',
  cancelled: 'warning',
  deactivating: 'informative',
  deactivated: 'subtle',
};

/**
 * Settled: the API stops sending Retry-After for these (src/functions/activations.ts), and only an
 * admin's action (deactivate) moves them again.
 */
export function isSettled(state: ActivationState): boolean {
  return state === 'completed' || state === 'cancelled' || state === 'deactivated';
}

/** Cancel stops dispatching: only while something is still being dispatched. */
export function canCancel(state: ActivationState): boolean {
  return state === 'planning' || state === 'recovering';
}

/** Deactivation may start from any state but its own (the API would answer it again, harmlessly). */
export function canDeactivate(state: ActivationState): boolean {
  return state !== 'deactivating' && state !== 'deactivated';
}

/** Every device state, in the order a device goes through them (the API's recoveryStates). */
export const recoveryStateLabels: Record<RecoveryState, string> = {
  planned: 'Planned',
  queued: 'Queued',
  provisioning: 'Provisioning',
  'waiting-for-capacity': 'Waiting for capacity',
  recovered: 'Recovered',
  failed: 'Failed',
  skipped: 'Skipped',
  cancelled: 'Cancelled',
  releasing: 'Releasing',
  released: 'Released',
};

export const recoveryStates = Object.keys(recoveryStateLabels) as RecoveryState[];

export const recoveryStateColors: Record<RecoveryState, BadgeColor> = {
  planned: 'subtle',
  queued: 'informative',
  provisioning: 'brand',
  'waiting-for-capacity': 'warning',
  recovered: 'success',
  failed: 'danger',
  skipped: 'severe',
  cancelled: 'warning',
  releasing: 'informative',
  released: 'subtle',
};

/** Why a device is not recovered, as an admin reads it. */
export const skipReasonLabels: Record<SkipReason, string> = {
  unlicensed: 'No licence',
  'disk-not-in-scopes': "Its disk is outside the tenant's disk scopes",
  'no-verified-restore-point': 'No verified restore point yet',
  'already-active': 'Already being recovered by another activation',
  'not-found': 'Not a device of this tenant',
};

export function skipReasonLabel(reason: string): string {
  return (skipReasonLabels as Record<string, string | undefined>)[reason] ?? reason;
}

export function waveOutcomeLabel(
  wave: Pick<WaveProgress, 'outcome' | 'startedAt'> & Partial<Pick<WaveProgress, 'total' | 'counts'>>,
): string {
  // A wave whose every device is skipped is never started: nothing in it waits.
  if (!wave.outcome && !wave.startedAt && wave.counts && wave.total === wave.counts.skipped)
    return 'Nothing to recover: every device skipped';
  switch (wave.outcome) {
    case 'done':
      return 'Done';
    case 'deadline':
      return 'Deadline passed: the next wave started; these keep recovering';
    case 'cancelled':
      return 'Cancelled';
    default:
      return wave.startedAt ? 'In progress' : 'Not started';
  }
}

/** A wave's API label (`recover-first`, `tier-2`) as an admin reads it. */
export function waveName(label: string): string {
  if (label === 'recover-first') return 'Devices to recover first';
  const tier = /^tier-(\d+)$/.exec(label);
  return tier ? `Priority tier ${tier[1]}` : label;
}

/** One line for a scope: "Region westeurope", "Tiers 1, 2 in westeurope", "3 devices". */
export function describeScope(scope: ActivationScope): string {
  switch (scope.kind) {
    case 'region':
      return `Region ${scope.region}`;
    case 'tiers': {
      const tiers = `${scope.tiers.length === 1 ? 'Tier' : 'Tiers'} ${[...scope.tiers].sort((a, b) => a - b).join(', ')}`;
      return scope.region ? `${tiers} in ${scope.region}` : `${tiers}, all regions`;
    }
    case 'devices':
      return `${scope.deviceIds.length.toLocaleString('en-US')} listed ${scope.deviceIds.length === 1 ? 'device' : 'devices'}`;
  }
}
