/**
 * Starts the creation of a device's disk, NIC or VM (PUT, not awaited: start–record–check) and
 * writes what it started through to the group's listing, so this process's next ensure sees it
 * before the next listing does. Names and bodies come from `temporaryDeviceResources` and
 * `deviceBodies`; a repeated PUT of one name converges, so duplicates make nothing twice. Each PUT
 * is marked with its step's priority (VM before NIC before disk): waiting for ARM's write budget,
 * a device further along goes first, so devices become ready one after another rather than all at
 * the end of an activation (the recovery benchmark's first device was ready at 753 s of 886).
 */
import type { TemporaryDeviceState } from '../../../ports/ComputeProvider';
import type { Clock } from '../../../ports/Clock';
import type { ComputeClients } from '../../arm/createComputeClient';
import { ArmPriority, withArmPriority } from '../../arm/pacing/armPriority';
import { classifyArmError, describeFailure, isOperationInProgress } from './computeErrors';
import { diskBody, nicBody, vmBody } from './deviceBodies';
import { provisioningIn, reservationOf, type DeviceTarget } from './deviceTarget';
import type { NetworkClients } from './networkClients';
import type { Placement } from './placement';
import type { ResourceGroupView } from './ResourceGroupView';
import { diskName, nicName, vmIdIn, vmName } from './temporaryDeviceResources';

export class DeviceResourceCreation {
  constructor(
    private readonly compute: ComputeClients,
    private readonly network: NetworkClients,
    private readonly view: ResourceGroupView,
    private readonly clock: Clock,
    /** The recovered disk's SKU. */
    readonly diskSku: string,
  ) {}

  /**
   * Copies the restore point into a disk in `zone`, recording on it the zones the capacity round
   * tried before (`tried`), where any process can read them.
   */
  async createDisk(
    target: DeviceTarget,
    zone: string | undefined,
    tried: readonly string[],
  ): Promise<TemporaryDeviceState> {
    const name = diskName(target.name, zone);
    const body = diskBody({
      region: target.region,
      zone,
      snapshotId: target.snapshotId,
      ...(target.encryption ? { encryption: target.encryption } : {}),
      sku: this.diskSku,
      tags: target.tags,
      zonesTried: tried,
    });
    try {
      await this.compute
        .for(target.subscriptionId)
        .disks.createOrUpdate(target.resourceGroup, name, body, withArmPriority(ArmPriority.recoveryDisk))
        .submitted();
    } catch (err) {
      if (isOperationInProgress(err)) return provisioningIn(target);
      const failure = classifyArmError(err);
      return {
        state: 'failed',
        reason: `Copying the restore point into disk ${name} failed: ${describeFailure(failure)}`,
      };
    }
    await this.view.upsert(target.subscriptionId, target.resourceGroup, 'disks', {
      ...body,
      name,
      id: `${target.scope}/providers/Microsoft.Compute/disks/${name}`,
      provisioningState: 'Updating',
    });
    return provisioningIn(target);
  }

  async createNic(target: DeviceTarget): Promise<TemporaryDeviceState> {
    const name = nicName(target.name);
    const body = nicBody(target.region, target.subnetId, target.tags);
    try {
      await this.network
        .for(target.subscriptionId)
        .networkInterfaces.createOrUpdate(
          target.resourceGroup,
          name,
          body,
          withArmPriority(ArmPriority.recoveryNic),
        )
        .submitted();
    } catch (err) {
      if (isOperationInProgress(err)) return provisioningIn(target);
      return {
        state: 'failed',
        reason: `Creating network interface ${name} in ${target.subnetId} failed: ${describeFailure(classifyArmError(err))}`,
      };
    }
    await this.view.upsert(target.subscriptionId, target.resourceGroup, 'nics', {
      ...body,
      name,
      id: `${target.scope}/providers/Microsoft.Network/networkInterfaces/${name}`,
      provisioningState: 'Updating',
    });
    return provisioningIn(target);
  }

  /**
   * PUTs the VM attaching `diskId` and `nicId` with `placement`'s size. Throws ARM's refusal as is:
   * what a refusal means (next size, next zone, quota) is the capacity round's to decide.
   */
  async submitVm(
    target: DeviceTarget,
    placement: Placement,
    diskId: string,
    nicId: string,
    tried: readonly string[],
  ): Promise<void> {
    const body = vmBody({
      region: target.region,
      placement,
      diskId,
      nicId,
      disk: target.disk,
      tags: target.tags,
      zonesTried: tried,
      ...(target.settings.hostPoolId ? { hostPoolId: target.settings.hostPoolId } : {}),
      ...reservationOf(target),
    });
    await this.compute
      .for(target.subscriptionId)
      .virtualMachines.createOrUpdate(
        target.resourceGroup,
        vmName(target.name),
        body,
        withArmPriority(ArmPriority.recoveryVm),
      )
      .submitted();
    await this.view.upsert(target.subscriptionId, target.resourceGroup, 'vms', {
      ...body,
      name: vmName(target.name),
      id: vmIdIn(target.scope, target.name),
      provisioningState: 'Creating',
      timeCreated: this.clock.now(),
    });
  }
}
