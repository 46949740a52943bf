/**
 * What a sign-in client shows a user during disaster recovery, from their devices' recovery holds,
 * and for a device an outage left without one, from its recovery task: why it was not recovered.
 */
import { activationTargets, type Activation } from '../domain/activation';
import type { Device } from '../domain/device';
import { NotFoundError } from '../domain/errors';
import type { RecoveryState, RecoveryTask, SkipReason } from '../domain/recoveryTask';
import type { Tenant } from '../domain/tenant';
import type { ActivationStore } from '../ports/ActivationStore';
import type { DeviceRegistry } from '../ports/DeviceRegistry';
import type { TenantStore } from '../ports/TenantStore';

export type UserDrState = 'normal' | 'recovering' | 'on-temporary-device' | 'not-recovered';

/**
 * Why a device in an outage has no temporary device, and will not get one from the activation:
 * skipped at planning with the activation's skip reason, failed after its retries, cancelled before
 * it was dispatched, or in no activation at all (registered after the outage was planned, say).
 */
export type NotRecoveredReason = `skipped: ${SkipReason}` | 'failed' | 'cancelled' | 'not-targeted';

export interface DeviceDrStatus {
  deviceId: string;
  status: UserDrState;
  primaryRegion: string;
  activationId?: string;
  /** Where the user works now, while on a temporary device. */
  region?: string;
  temporaryDevice?: string;
  /** Where to connect to it: the DR host pool and the session host assigned to the user. */
  connection?: { hostPoolId: string; sessionHost: string };
  since?: string;
  /** While `not-recovered`: why. */
  reason?: NotRecoveredReason;
}

export interface UserDrStatus {
  upn: string;
  /**
   * The most pressing of the user's devices: on a temporary device (where to work), then being
   * recovered (wait for it), then not recovered (ask for help), then normal.
   */
  status: UserDrState;
  message: string;
  devices: DeviceDrStatus[];
}

const rank: Record<UserDrState, number> = {
  normal: 0,
  'not-recovered': 1,
  recovering: 2,
  'on-temporary-device': 3,
};

/** Activations looked at for a device without a hold: each holds a region or devices, so few are open at once. */
const maxHoldingActivations = 20;

export class UserDrStatusService {
  constructor(
    private readonly devices: DeviceRegistry,
    private readonly tenants: TenantStore,
    private readonly activations: ActivationStore,
  ) {}

  async get(tenantId: string, upn: string): Promise<UserDrStatus> {
    const devices = await this.devices.findByUpn(tenantId, upn);
    if (devices.length === 0) throw new NotFoundError(`A Cloud PC of ${upn}`);
    // Read once, and only when a device has no hold: the common case costs nothing more.
    let tenant: Promise<Tenant | undefined> | undefined;
    let holding: Promise<Activation[]> | undefined;
    const context: Lookups = {
      tenant: () => (tenant ??= this.tenants.get(tenantId)),
      holding: () => (holding ??= this.activations.listHolding(tenantId, maxHoldingActivations)),
      task: (activationId, deviceId) => this.activations.getTask(activationId, deviceId),
    };
    const statuses = (await Promise.all(devices.map((device) => deviceStatus(device, context)))).sort(
      (a, b) => a.deviceId.localeCompare(b.deviceId),
    );
    const worst = statuses.reduce((a, b) => (rank[b.status] > rank[a.status] ? b : a));
    return { upn, status: worst.status, message: messageFor(worst), devices: statuses };
  }
}

interface Lookups {
  tenant(): Promise<Tenant | undefined>;
  holding(): Promise<Activation[]>;
  task(activationId: string, deviceId: string): Promise<RecoveryTask | undefined>;
}

async function deviceStatus(device: Device, lookups: Lookups): Promise<DeviceDrStatus> {
  const base = { deviceId: device.id, primaryRegion: device.primaryRegion };
  const recovery = device.recovery;
  if (recovery?.state === 'active') {
    return {
      ...base,
      activationId: recovery.activationId,
      since: recovery.since,
      status: 'on-temporary-device',
      region: recovery.backupRegion,
      ...(recovery.temporaryDevice ? { temporaryDevice: recovery.temporaryDevice } : {}),
      ...(recovery.connection ? { connection: recovery.connection } : {}),
    };
  }
  if (recovery?.state === 'recovering') {
    // The hold stays while its task is recovered; a task that failed or was cancelled keeps it
    // too (until deactivation), though no temporary device is coming.
    const held = { ...base, activationId: recovery.activationId, since: recovery.since };
    const task = await lookups.task(recovery.activationId, device.id);
    const ended = task && notRecovered(task);
    return ended ? { ...held, status: 'not-recovered', reason: ended } : { ...held, status: 'recovering' };
  }
  // Being released (deactivation) or never held: normal, unless its region is in outage.
  if (recovery?.state === 'releasing') return { ...base, status: 'normal' };
  const tenant = await lookups.tenant();
  if (!tenant?.regionsInOutage.includes(device.primaryRegion)) return { ...base, status: 'normal' };
  const targeting = (await lookups.holding()).filter((a) => activationTargets(a, device));
  for (const activation of targeting) {
    const task = await lookups.task(activation.id, device.id);
    if (!task) continue;
    const since = task.updatedAt;
    const ended = notRecovered(task);
    if (ended) return { ...base, activationId: activation.id, since, status: 'not-recovered', reason: ended };
    // Its hold is written before its task moves: a task on its way that the device read missed.
    if (inFlight.has(task.state))
      return { ...base, activationId: activation.id, since, status: 'recovering' };
  }
  // Planning has not reached it yet: it is about to be held or skipped.
  const planning = targeting.find((a) => a.state === 'planning');
  if (planning) return { ...base, activationId: planning.id, status: 'recovering' };
  // The activation that put its region in outage has no task for it (the device came after planning).
  const outage = targeting.find((a) => a.scope.kind === 'region');
  if (outage) return { ...base, activationId: outage.id, status: 'not-recovered', reason: 'not-targeted' };
  // No activation of the region holds it any more: its outage is ending (the last deactivation).
  return { ...base, status: 'normal' };
}

const inFlight: ReadonlySet<RecoveryState> = new Set([
  'planned',
  'queued',
  'provisioning',
  'waiting-for-capacity',
]);

function notRecovered(task: RecoveryTask): NotRecoveredReason | undefined {
  switch (task.state) {
    case 'skipped':
      return `skipped: ${task.skipReason ?? 'not-found'}`;
    case 'failed':
      return 'failed';
    case 'cancelled':
      return 'cancelled';
    default:
      return undefined;
  }
}

function messageFor(status: DeviceDrStatus): string {
  switch (status.status) {
    case 'normal':
      return 'Your Cloud PC is running normally.';
    case 'recovering':
      return `Your Cloud PC's region (${status.primaryRegion}) is in an outage. A temporary Cloud PC is being prepared; sign in again shortly.`;
    case 'on-temporary-device':
      return `You are on a temporary Cloud PC in ${status.region} while ${status.primaryRegion} recovers${connectHint(status)}. Work saved on it is deleted when disaster recovery ends.`;
    case 'not-recovered':
      return `Your Cloud PC's region (${status.primaryRegion}) is in an outage, and your Cloud PC was not recovered to a temporary one (${explain(status.reason)}). Contact your IT support.`;
  }
}

function explain(reason: NotRecoveredReason | undefined): string {
  switch (reason) {
    case 'skipped: no-verified-restore-point':
      return 'it had no verified restore point';
    case 'skipped: unlicensed':
      return 'it holds no disaster-recovery licence';
    case 'skipped: disk-not-in-scopes':
      return "its disk is outside your organisation's disk scopes";
    case 'skipped: already-active':
      return 'another disaster recovery holds it';
    case 'skipped: not-found':
      return 'it was not found';
    case 'failed':
      return 'its recovery failed';
    case 'cancelled':
      return 'disaster recovery was cancelled before it was recovered';
    case 'not-targeted':
    case undefined:
      return 'no disaster recovery covers it';
  }
}

/** Where the user finds the temporary desktop in their Remote Desktop client, when it is in a host pool. */
function connectHint(status: DeviceDrStatus): string {
  const pool = status.connection?.hostPoolId.split('/').pop();
  return pool
    ? ` (connect to "${pool}" in your Remote Desktop client, desktop ${status.connection!.sessionHost})`
    : '';
}
