/**
 * Removes temporary devices that should not exist: their task was released, cancelled, failed or
 * skipped, or is gone. A provisioning that finishes after its deactivation started leaves such a
 * device behind; nothing else would ever delete it. A device tagged with a tenant this deployment
 * does not know is left alone: another deployment sharing the storage may own it.
 *
 * Then, where the provider registers desktops with AVD, the DR host pools the known tenants'
 * policies name: a session host record whose temporary device's VM is gone is removed (the
 * provider decides, from the tenant's own backup resource groups only). Deactivation removes each
 * record with its VM, but a record can outlive it, and nothing in ARM points at it any more.
 */
import { ensureErrorType } from '../domain/errors';
import type { RecoveryState } from '../domain/recoveryTask';
import type { ActivationStore } from '../ports/ActivationStore';
import type { ComputeProvider } from '../ports/ComputeProvider';
import type { EventLog } from '../ports/EventLog';
import type { PolicyStore } from '../ports/PolicyStore';
import type { TenantStore } from '../ports/TenantStore';

const unwanted: ReadonlySet<RecoveryState> = new Set(['released', 'cancelled', 'failed', 'skipped']);

export interface SweepResult {
  checked: number;
  removed: number;
  /** Tagged with a tenant this deployment does not know: not ours to judge. */
  foreign: number;
  /** Session host records of gone temporary devices removed from DR host pools (when swept). */
  sessionHostsRemoved?: number;
}

export class TemporaryDeviceSweeper {
  constructor(
    private readonly store: ActivationStore,
    private readonly compute: ComputeProvider,
    private readonly tenants: Pick<TenantStore, 'get'>,
    private readonly regions: readonly string[],
    private readonly events: EventLog,
    /** Where the DR host pools are named; without it, session host records are not swept. */
    private readonly policies?: Pick<PolicyStore, 'drHostPools'>,
  ) {}

  async sweep(): Promise<SweepResult> {
    const result: SweepResult = { checked: 0, removed: 0, foreign: 0 };
    const sweepsHosts = this.policies !== undefined && this.compute.removeOrphanSessionHosts !== undefined;
    if (sweepsHosts) result.sessionHostsRemoved = 0;
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
      // After the devices: a device removed above has had its own record removed with it.
      if (sweepsHosts) await this.sweepSessionHosts(region, result);
    }
    return result;
  }

  /** Removes records of gone temporary devices from the DR host pools of the region's known tenants. */
  private async sweepSessionHosts(region: string, result: SweepResult): Promise<void> {
    const remove = this.compute.removeOrphanSessionHosts?.bind(this.compute);
    if (!remove || !this.policies) return;
    for (const { tenantId, hostPoolId } of await this.policies.drHostPools(region)) {
      const tenant = await this.tenants.get(tenantId);
      // Only the tenant's own backup groups: a record pointing elsewhere is not its device's.
      const groups = tenant?.backupResourceGroups?.[region] ?? [];
      if (!tenant || groups.length === 0) continue;
      try {
        for (const sessionHost of await remove(hostPoolId, groups)) {
          result.sessionHostsRemoved = (result.sessionHostsRemoved ?? 0) + 1;
          this.events.emit('recovery.orphan-session-host-removed', {
            tenantId,
            region,
            hostPoolId,
            sessionHost,
          });
        }
      } catch (err) {
        // The next sweep tries again; one pool must not stop the rest.
        this.events.emit('recovery.orphan-session-host-removal-failed', {
          tenantId,
          region,
          hostPoolId,
          reason: ensureErrorType(err).message,
        });
      }
    }
  }
}
