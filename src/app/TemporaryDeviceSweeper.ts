/**
 * Removes temporary devices that should not exist: their task was released, cancelled, failed or
 * skipped, or is gone. A provisioning that finishes after its deactivation started leaves such a
 * device behind; nothing else would ever delete it. A device tagged with a tenant this deployment
 * does not know is left alone: another deployment sharing the storage may own it.
 */
import { ensureErrorType } from '../domain/errors';
import type { RecoveryState } from '../domain/recoveryTask';
import type { ActivationStore } from '../ports/ActivationStore';
import type { ComputeProvider } from '../ports/ComputeProvider';
import type { EventLog } from '../ports/EventLog';
import type { TenantStore } from '../ports/TenantStore';

const unwanted: ReadonlySet<RecoveryState> = new Set(['released', 'cancelled', 'failed', 'skipped']);

export interface SweepResult {
  checked: number;
  removed: number;
  /** Tagged with a tenant this deployment does not know: not ours to judge. */
  foreign: number;
}

export class TemporaryDeviceSweeper {
  constructor(
    private readonly store: ActivationStore,
    private readonly compute: ComputeProvider,
    private readonly tenants: Pick<TenantStore, 'get'>,
    private readonly regions: readonly string[],
    private readonly events: EventLog,
  ) {}

  async sweep(): Promise<SweepResult> {
    const result: SweepResult = { checked: 0, removed: 0, foreign: 0 };
    const known = new Map<string, Promise<boolean>>();
    const isKnown = (tenantId: string) => {
      if (!known.has(tenantId)) known.set(tenantId, this.tenants.get(tenantId).then(Boolean));
      return known.get(tenantId)!;
    };
    for (const region of this.regions) {
      for await (const device of this.compute.listTemporaryDevices(region)) {
        result.checked += 1;
        if (!(await isKnown(device.tags.tenantId))) {
          result.foreign += 1;
          continue;
        }
        const task = await this.store.getTask(device.tags.activationId, device.tags.deviceId);
        if (task && !unwanted.has(task.state)) continue;
        try {
          await this.compute.deleteTemporaryDevice(region, device.name, device.scope);
          result.removed += 1;
          this.events.emit('recovery.orphan-removed', {
            tenantId: device.tags.tenantId,
            activationId: device.tags.activationId,
            deviceId: device.tags.deviceId,
            region,
            temporaryDevice: device.name,
            taskState: task?.state ?? 'missing',
          });
        } catch (err) {
          // The next sweep tries again; one device must not stop the rest.
          this.events.emit('recovery.orphan-removal-failed', {
            region,
            temporaryDevice: device.name,
            reason: ensureErrorType(err).message,
          });
        }
      }
    }
    return result;
  }
}
