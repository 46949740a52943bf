/**
 * Where a device's temporary resources go, resolved once per ensure from its request: the
 * subscription and resource group of its restore point's snapshot (the backup copy already lives
 * there, so the disk copies within the group), the policy's subnet in that subscription, the
 * device's tags. A request that cannot be placed fails here, before any call to Azure.
 */
import { parseArmResourceId, resourceGroupId } from '../../../domain/armId';
import type { ManagedDiskFacts } from '../../../domain/managedDisk';
import { subscriptionOfArmId } from '../../../domain/armId';
import type { RecoverySettings } from '../../../domain/recoverySettings';
import type { TemporaryDeviceRequest, TemporaryDeviceState } from '../../../ports/ComputeProvider';
import { temporaryDeviceTags } from './temporaryDeviceResources';

/** Everything one ensure needs to know about its device. */
export interface DeviceTarget {
  request: TemporaryDeviceRequest;
  name: string;
  region: string;
  snapshotId: string;
  disk: ManagedDiskFacts;
  encryption?: { type: string; diskEncryptionSetId: string };
  settings: RecoverySettings;
  subscriptionId: string;
  resourceGroup: string;
  /** The resource group's id: where the device's state says it lives. */
  scope: string;
  subnetId: string;
  tags: Record<string, string>;
}

/** The device's placement from its request, or why it cannot be placed. */
export function deviceTargetOf(request: TemporaryDeviceRequest): DeviceTarget | { failed: string } {
  const { image, settings } = request;
  if (image.kind !== 'managedSnapshot')
    return {
      failed:
        'The Azure compute provider recovers managed-disk restore points only (this one is a page blob)',
    };
  const snapshot = parseArmResourceId(image.snapshotId);
  if (!snapshot)
    return { failed: `The restore point's snapshot id ${image.snapshotId} is not an ARM resource id` };
  if (!settings) return { failed: 'The policy has no recovery settings for Azure compute (subnets, sizes)' };
  // A NIC joins a subnet of its own subscription only: the policy may name one per subscription.
  const subnetId = settings.subnetIds.find(
    (id) => subscriptionOfArmId(id) === snapshot.subscriptionId.toLowerCase(),
  );
  if (!subnetId)
    return {
      failed: `The policy names no subnet in subscription ${snapshot.subscriptionId}, where the device's restore point is: its NIC has no network to join`,
    };
  return {
    request,
    name: request.name,
    region: request.region,
    snapshotId: image.snapshotId,
    disk: image.disk,
    ...(image.encryption ? { encryption: image.encryption } : {}),
    settings,
    subscriptionId: snapshot.subscriptionId,
    resourceGroup: snapshot.resourceGroup,
    scope: resourceGroupId(snapshot.subscriptionId, snapshot.resourceGroup),
    subnetId,
    tags: temporaryDeviceTags(request.name, request.tags),
  };
}

/** The state of a device whose next step was started (or is under way elsewhere): check back. */
export function provisioningIn(target: DeviceTarget): TemporaryDeviceState {
  return { state: 'provisioning', scope: target.scope };
}

/** The policy's capacity reservation group in the device's subscription, for its VM, if any. */
export function reservationOf(target: DeviceTarget): { capacityReservationGroupId?: string } {
  const group = target.settings.capacityReservationGroupIds?.find(
    (id) => subscriptionOfArmId(id) === target.subscriptionId.toLowerCase(),
  );
  return group ? { capacityReservationGroupId: group } : {};
}
