/**
 * The Azure compute provider against the ARM double: a restore point's snapshot in the backup
 * region, a subnet, optionally a DR host pool with its application group assigned, and a loop that
 * ensures a device and moves the double's clock until the device stops provisioning.
 */
import { randomUUID } from 'node:crypto';
import { ArmHostPools } from '../../../../src/adapters/avd/ArmHostPools';
import { AvdClients } from '../../../../src/adapters/avd/createAvdClients';
import {
  AzureComputeProvider,
  type AzureComputeProviderOptions,
} from '../../../../src/adapters/compute/azure/AzureComputeProvider';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { ManagedDiskFacts } from '../../../../src/domain/managedDisk';
import type { RecoverySettings } from '../../../../src/domain/recoverySettings';
import type { Clock } from '../../../../src/ports/Clock';
import type { TemporaryDeviceRequest, TemporaryDeviceState } from '../../../../src/ports/ComputeProvider';
import { computeClient } from '../../../support/arm/armTestClient';
import {
  DESKTOP_VIRTUALIZATION_USER,
  startArmDouble,
  type ArmDouble,
  type ArmDoubleOptions,
} from '../../../support/arm/startArmDouble';

export const sub = '11111111-2222-4333-8444-555555555555';
export const region = 'westus';
export const backupGroup = 'rg-dr-westus';
export const scope = `/subscriptions/${sub}/resourceGroups/${backupGroup}`;
export const subnetId = `/subscriptions/${sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-dr/subnets/desktops`;
export const hostPoolId = `/subscriptions/${sub}/resourceGroups/rg-avd/providers/Microsoft.DesktopVirtualization/hostPools/hp-dr`;
export const applicationGroupId = `/subscriptions/${sub}/resourceGroups/rg-avd/providers/Microsoft.DesktopVirtualization/applicationGroups/hp-dr-dag`;
export const userGroup = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

export interface Harness {
  double: ArmDouble;
  clock: Clock;
  snapshotId: string;
  disk: ManagedDiskFacts;
  provider(options?: AzureComputeProviderOptions, policies?: PipelinePolicy[]): AzureComputeProvider;
  request(
    name: string,
    settings?: Partial<RecoverySettings>,
    disk?: Partial<ManagedDiskFacts>,
  ): TemporaryDeviceRequest;
  close(): Promise<void>;
}

export async function startHarness(options: ArmDoubleOptions = {}): Promise<Harness> {
  // Time moves only when the test moves it (scale 1: real time adds milliseconds).
  const double = await startArmDouble({ timeScale: 1, throttling: 'count', ...options });
  const clock: Clock = { now: () => new Date(double.clock()) };
  double.seedSubnet(subnetId, region);
  const primaryDiskId = await double.seedDisk({
    subscriptionId: sub,
    resourceGroup: backupGroup,
    name: 'pc-001-os',
    location: region,
    sizeGB: 64,
    osType: 'Windows',
    hyperVGeneration: 'V2',
    securityType: 'TrustedLaunch',
    diskControllerTypes: 'SCSI',
    vm: { name: 'pc-001', size: 'Standard_D4s_v5', zone: '2', computerName: 'pc-001.contoso.com' },
  });
  const snapshotName = `rp-${randomUUID().slice(0, 8)}`;
  await computeClient(double, sub)
    .snapshots.createOrUpdate(backupGroup, snapshotName, {
      location: region,
      incremental: true,
      creationData: { createOption: 'Copy', sourceResourceId: primaryDiskId },
    })
    .submitted();
  double.advance(10 * 60_000);
  const snapshotId = `${scope}/providers/Microsoft.Compute/snapshots/${snapshotName}`;

  double.avd.seedHostPool({ id: hostPoolId, location: region });
  double.avd.seedApplicationGroup({ id: applicationGroupId, location: region, hostPoolId });
  double.avd.seedRoleAssignment({
    scope: applicationGroupId,
    principalId: userGroup,
    roleDefinitionId: DESKTOP_VIRTUALIZATION_USER,
    principalType: 'Group',
  });
  double.avd.seedRegistrationToken(hostPoolId, { validForMs: 24 * 3_600_000 });

  const disk: ManagedDiskFacts = {
    sizeGB: 64,
    sizeBytes: 64 * 2 ** 30,
    securityType: 'TrustedLaunch',
    hyperVGeneration: 'V2',
    diskControllerTypes: 'SCSI',
    osType: 'Windows',
    vm: {
      id: `${scope}/providers/Microsoft.Compute/virtualMachines/pc-001`,
      size: 'Standard_D4s_v5',
      zone: '2',
    },
    zone: '2',
    encryption: {},
  };
  const clientOptions = { credential: double.credential, ...double.clientOptions(), maxRetries: 0 };
  return {
    double,
    clock,
    snapshotId,
    disk,
    provider: (providerOptions = {}, policies = []) =>
      new AzureComputeProvider(
        {
          clients: { ...clientOptions, additionalPolicies: policies },
          hostPools: new ArmHostPools(new AvdClients({ ...clientOptions, additionalPolicies: policies }), {
            clock,
            listingTtlInMs: 0,
          }),
          resourceGroups: () => Promise.resolve([scope]),
        },
        { clock, listingTtlInMs: 0, ...providerOptions },
      ),
    request: (name, settings = {}, diskChange = {}) => ({
      name,
      region,
      image: { kind: 'managedSnapshot', snapshotId, disk: { ...disk, ...diskChange } },
      tags: { tenantId: 'tenant-1', activationId: 'act-1', deviceId: name },
      settings: {
        subnetIds: [subnetId],
        fallbackSizes: ['Standard_D2s_v5', 'Standard_D2as_v5'],
        zones: ['1', '2', '3'],
        ...settings,
      },
      user: 'ada@contoso.com',
    }),
    close: async () => await double.close(),
  };
}

/** Pool settings for a request. */
export const withHostPool: Partial<RecoverySettings> = {
  hostPoolId,
  applicationGroupId,
  userGroupObjectId: userGroup,
};

/**
 * Ensures `request` until it is no longer provisioning, moving the double's clock `stepMs` between
 * checks (what the recovery worker's delayed message does); returns the state and the checks taken.
 */
export async function drive(
  harness: Harness,
  provider: AzureComputeProvider,
  request: TemporaryDeviceRequest,
  { stepMs = 30_000, maxSteps = 60 } = {},
): Promise<{ state: TemporaryDeviceState; steps: number }> {
  for (let steps = 1; steps <= maxSteps; steps++) {
    const state = await provider.ensureTemporaryDevice(request);
    if (state.state !== 'provisioning') return { state, steps };
    harness.double.advance(stepMs);
  }
  throw new Error(`${request.name} still provisioning after ${maxSteps} checks`);
}

/** The device's live (not deleted) resources in the double. */
export function liveResources(harness: Harness, name: string) {
  const mine = (r: { name: string; deleted: boolean }) => !r.deleted && r.name.startsWith(name);
  return {
    vms: harness.double.vms().filter(mine),
    disks: harness.double.disks().filter(mine),
    nics: harness.double.nics().filter(mine),
  };
}

/** A pipeline policy that records each request's method and path (the calls a provider sends). */
export function recordingPolicy(): { policy: PipelinePolicy; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    policy: {
      name: 'recordCalls',
      async sendRequest(request, next) {
        calls.push(`${request.method} ${new URL(request.url).pathname}`);
        return await next(request);
      },
    },
  };
}
