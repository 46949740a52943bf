/**
 * Temporary devices on Azure compute: for each device, in the resource group of its restore
 * point's snapshot in the backup region, a disk copied from the snapshot, a NIC in the policy's
 * subnet, and a VM attaching the disk; then, where the policy names a DR host pool, the guest
 * re-registers there and the device's user is assigned to it.
 *
 * Start–record–check: no call waits for Azure. Each `ensureTemporaryDevice` looks at what exists
 * (a shared listing of the group, `ResourceGroupView`) and takes the next step — start the disk,
 * the NIC, the VM, the registration, the assignment — then returns `provisioning`; the caller
 * checks back. Everything that decides the next step lives in ARM (names, tags, the VM's size and
 * state, the disk's zone and the zones it records as tried), so any process, after any crash,
 * continues where the last one stopped; within a process, concurrent ensures of one device share
 * one call.
 *
 * Capacity: a VM failed for allocation (`AllocationFailed`, `OverconstrainedAllocationRequest`) is
 * PUT again with the next fitting size (`SizeFit`); with the sizes of a zone spent, or on
 * `ZonalAllocationFailed`, the VM goes (with its disk and NIC) and a disk is made in the next zone;
 * with every zone spent the round ends in `CapacityUnavailableError('no-capacity')` and the next
 * ensure starts a new round. A cores quota is `CapacityUnavailableError('quota-exceeded')`, naming
 * the quota; the disk and NIC stay, and the VM is PUT again when asked next. Any other failure is
 * `failed` with ARM's code and message, and what failed is removed so that ensuring again starts
 * over.
 */
import type {
  ComputeManagementClient,
  Disk,
  VirtualMachine,
  VirtualMachineInstanceView,
} from '@azure/arm-compute';
import type { NetworkInterface } from '@azure/arm-network';
import { parseArmResourceId, resourceGroupId, parseResourceGroupId } from '../../../domain/armId';
import type { ManagedDiskFacts } from '../../../domain/managedDisk';
import { subscriptionOfArmId, type RecoverySettings } from '../../../domain/recoverySettings';
import { systemClock, type Clock } from '../../../ports/Clock';
import {
  CapacityUnavailableError,
  type ComputeProvider,
  type TemporaryDevice,
  type TemporaryDeviceRequest,
  type TemporaryDeviceState,
} from '../../../ports/ComputeProvider';
import type { HostPools } from '../../../ports/HostPools';
import { armStatusOf, isArmNotFound } from '../../arm/armErrors';
import { ComputeClients, type ComputeClientOptions } from '../../arm/createComputeClient';
import {
  classifyArmError,
  classifyCreationFailure,
  describeFailure,
  type CreationFailure,
} from './computeErrors';
import { diskBody, hostPoolTag, nicBody, vmBody } from './deviceBodies';
import { GroupAssignmentCheck } from './GroupAssignmentCheck';
import { listedDevices } from './listedDevices';
import { NetworkClients } from './networkClients';
import { nextSize, nextZone, whyNothingFits, zoneOrder, type FitOf, type Placement } from './placement';
import { ResourceGroupView, type GroupResources } from './ResourceGroupView';
import { SessionHostRegistration } from './SessionHostRegistration';
import { candidateSizes, sizeFits } from './sizeFit';
import { SkuCatalog } from './SkuCatalog';
import {
  deviceOf,
  diskName,
  nicName,
  temporaryDeviceTags,
  vmName,
  zonesTried,
} from './temporaryDeviceResources';
import { agentReady, vmProgress } from './vmState';

export interface AzureComputeProviderDependencies {
  /** How ARM clients are made (credential, pacing policies, endpoint): as `ComputeClients` takes them. */
  clients: ComputeClientOptions;
  hostPools: HostPools;
  /** The resource groups (ids) of a region where temporary devices may be: the tenants' backup groups. */
  resourceGroups(region: string): Promise<readonly string[]>;
}

export interface AzureComputeProviderOptions {
  clock?: Clock;
  /** A device not ready this long after its VM was created fails (default 30 min). */
  provisioningDeadlineInMs?: number;
  /** How long one listing of a resource group serves every device of it (default 10 s). */
  listingTtlInMs?: number;
  /** How long a region's size catalogue is kept (default 1 h). */
  skuTtlInMs?: number;
  /** The recovered disk's SKU (default `Premium_LRS`: sizes without premium IO are then skipped). */
  diskSku?: string;
}

/** Everything one ensure needs to know about its device. */
interface Target {
  request: TemporaryDeviceRequest;
  name: string;
  region: string;
  snapshotId: string;
  disk: ManagedDiskFacts;
  encryption?: { type: string; diskEncryptionSetId: string };
  settings: RecoverySettings;
  subscriptionId: string;
  resourceGroup: string;
  scope: string;
  subnetId: string;
  tags: Record<string, string>;
}

interface Plan {
  sizes: string[];
  zones: (string | undefined)[];
  fitOf: FitOf;
}

export class AzureComputeProvider implements ComputeProvider {
  private readonly compute: ComputeClients;
  private readonly network: NetworkClients;
  private readonly view: ResourceGroupView;
  private readonly skus: SkuCatalog;
  private readonly assignments: GroupAssignmentCheck;
  private readonly registration: SessionHostRegistration;
  private readonly clock: Clock;
  private readonly deadlineInMs: number;
  private readonly diskSku: string;
  private readonly inFlight = new Map<string, Promise<TemporaryDeviceState>>();

  constructor(
    private readonly deps: AzureComputeProviderDependencies,
    options: AzureComputeProviderOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.compute = new ComputeClients(deps.clients);
    this.network = new NetworkClients(deps.clients);
    this.view = new ResourceGroupView(
      this.compute,
      this.network,
      this.clock,
      options.listingTtlInMs ?? 10_000,
    );
    this.skus = new SkuCatalog(this.compute, this.clock, options.skuTtlInMs);
    this.assignments = new GroupAssignmentCheck(deps.hostPools, this.clock);
    this.registration = new SessionHostRegistration(this.compute, deps.hostPools);
    this.deadlineInMs = options.provisioningDeadlineInMs ?? 30 * 60_000;
    this.diskSku = options.diskSku ?? 'Premium_LRS';
  }

  async ensureTemporaryDevice(request: TemporaryDeviceRequest): Promise<TemporaryDeviceState> {
    const key = `${request.region.toLowerCase()}/${request.name.toLowerCase()}`;
    const running = this.inFlight.get(key);
    if (running) return await running;
    const step = this.ensure(request).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, step);
    return await step;
  }

  async getTemporaryDevice(region: string, name: string): Promise<TemporaryDevice | undefined> {
    for (const scope of await this.deps.resourceGroups(region)) {
      const group = parseResourceGroupId(scope);
      if (!group) continue;
      const resources = await this.view.get(group.subscriptionId, group.resourceGroup);
      const device = listedDevices(resources, region, scope, this.clock.now()).get(name.toLowerCase());
      if (device) return device;
    }
    return undefined;
  }

  /**
   * Removes the session host record first (while the VM's id still leads to it), then deletes the
   * VM, whose disk and NIC go with it, and any disk or NIC made before a VM existed. Deletions are
   * started, not awaited. A deletion Azure refuses for now (a disk still being created) throws,
   * so the caller retries; anything missing is success.
   */
  async deleteTemporaryDevice(region: string, name: string, scope?: string): Promise<void> {
    const scopes = scope ? [scope] : await this.deps.resourceGroups(region);
    const refused: string[] = [];
    for (const groupId of scopes) {
      const group = parseResourceGroupId(groupId);
      if (!group) continue;
      const { subscriptionId, resourceGroup } = group;
      // A fresh listing: a deletion must not miss what a concurrent ensure just made.
      this.view.forget(subscriptionId, resourceGroup);
      const resources = await this.view.get(subscriptionId, resourceGroup);
      const vm = resources.vms.get(vmName(name).toLowerCase());
      const poolId = vm?.tags?.[hostPoolTag];
      if (vm && poolId) await this.registration.remove(poolId, vm.id ?? this.vmId(groupId, name));
      if (vm && !deleting(vm))
        await this.startDelete(refused, subscriptionId, resourceGroup, 'vms', vm.name!);
      for (const disk of resources.disks.values()) {
        if (deviceOf(disk.tags)?.name.toLowerCase() !== name.toLowerCase() || deleting(disk)) continue;
        // Attached to the VM: it goes with it.
        if (disk.managedBy) continue;
        await this.startDelete(refused, subscriptionId, resourceGroup, 'disks', disk.name!);
      }
      const nic = resources.nics.get(nicName(name).toLowerCase());
      if (nic && !deleting(nic) && !nic.virtualMachine)
        await this.startDelete(refused, subscriptionId, resourceGroup, 'nics', nic.name!);
    }
    if (refused.length > 0)
      throw new Error(
        `Temporary device ${name} in ${region}: Azure refused to delete, retry: ${refused.join('; ')}`,
      );
  }

  async *listTemporaryDevices(region: string): AsyncIterable<TemporaryDevice> {
    for (const scope of await this.deps.resourceGroups(region)) {
      const group = parseResourceGroupId(scope);
      if (!group) continue;
      this.view.forget(group.subscriptionId, group.resourceGroup);
      const resources = await this.view.get(group.subscriptionId, group.resourceGroup);
      yield* listedDevices(resources, region, scope, this.clock.now()).values();
    }
  }

  // ---- ensure ------------------------------------------------------------------------------

  private async ensure(request: TemporaryDeviceRequest): Promise<TemporaryDeviceState> {
    const target = this.target(request);
    if ('failed' in target) return { state: 'failed', reason: target.failed };
    const refusal = await this.checkUserAccess(target);
    if (refusal) return { state: 'failed', reason: refusal };
    const resources = await this.view.get(target.subscriptionId, target.resourceGroup);
    const vm = resources.vms.get(vmName(target.name).toLowerCase());
    return vm ? await this.advanceVm(target, vm) : await this.advanceWithoutVm(target, resources);
  }

  /** The device's placement from its request, or why it cannot be placed. */
  private target(request: TemporaryDeviceRequest): Target | { failed: string } {
    const { image, settings } = request;
    if (image.kind !== 'managedSnapshot')
      return {
        failed:
          'The Azure compute provider recovers managed-disk restore points only (this one is a page blob)',
      };
    const snapshot = parseArmResourceId(image.snapshotId);
    if (!snapshot)
      return { failed: `The restore point's snapshot id ${image.snapshotId} is not an ARM resource id` };
    if (!settings)
      return { failed: 'The policy has no recovery settings for Azure compute (subnets, sizes)' };
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

  /** With a host pool: the user and the group's application-group assignment, before anything is made. */
  private async checkUserAccess(target: Target): Promise<string | undefined> {
    const { hostPoolId, applicationGroupId, userGroupObjectId } = target.settings;
    if (!hostPoolId) return undefined;
    if (!applicationGroupId || !userGroupObjectId)
      return 'The policy names a host pool without its desktop application group and user group';
    if (!target.request.user) return 'The device has no user to assign to its recovered desktop';
    if (!(await this.assignments.isAssigned(applicationGroupId, userGroupObjectId)))
      return `Entra group ${userGroupObjectId} is not assigned to application group ${applicationGroupId} (Desktop Virtualization User): its users would see no desktop; assign it, then retry`;
    return undefined;
  }

  private async plan(target: Target): Promise<Plan> {
    const region = await this.skus.region(target.subscriptionId, target.region);
    const premium = /^premium/i.test(this.diskSku);
    const fitOf: FitOf = (size, zone) =>
      sizeFits(region.sizes.get(size.toLowerCase()), size, target.disk, zone, premium);
    return {
      sizes: candidateSizes(target.disk.vm?.size, target.settings.fallbackSizes),
      zones: zoneOrder(target.disk.zone ?? target.disk.vm?.zone, target.settings.zones, region.zones),
      fitOf,
    };
  }

  /** No VM yet: the disk, then the NIC, then the VM. */
  private async advanceWithoutVm(target: Target, resources: GroupResources): Promise<TemporaryDeviceState> {
    const disks = [...resources.disks.values()].filter(
      (d) => deviceOf(d.tags)?.name.toLowerCase() === target.name.toLowerCase(),
    );
    const live = disks.filter((d) => !deleting(d));
    // The newest disk of the round records the most zones tried; an older one is a leftover.
    const current = live.sort((a, b) => zonesTried(b.tags).length - zonesTried(a.tags).length)[0];
    for (const stale of live.slice(1))
      if (!stale.managedBy)
        await this.startDelete([], target.subscriptionId, target.resourceGroup, 'disks', stale.name!);
    if (!current) {
      // A round that ended is starting again only once its resources are gone.
      if (disks.length > 0) return this.provisioning(target);
      const plan = await this.plan(target);
      const placement = nextZone(plan.zones, [], plan.sizes, plan.fitOf);
      if (!placement) return { state: 'failed', reason: whyNothingFits(plan.sizes, plan.zones, plan.fitOf) };
      return await this.createDisk(target, placement.zone, []);
    }
    const diskState = (current.provisioningState ?? '').toLowerCase();
    if (diskState === 'failed') {
      await this.startDelete([], target.subscriptionId, target.resourceGroup, 'disks', current.name!);
      return {
        state: 'failed',
        reason: `The disk ${current.name} copied from ${target.snapshotId} failed to provision`,
      };
    }
    if (diskState !== 'succeeded') return this.provisioning(target);

    const nic = resources.nics.get(nicName(target.name).toLowerCase());
    if (!nic) return await this.createNic(target);
    const nicState = (nic.provisioningState ?? '').toLowerCase();
    if (nicState === 'deleting' || nicState === 'updating' || nicState === '')
      return this.provisioning(target);
    if (nicState === 'failed') {
      await this.startDelete([], target.subscriptionId, target.resourceGroup, 'nics', nic.name!);
      return { state: 'failed', reason: `The network interface ${nic.name} failed to provision` };
    }

    const plan = await this.plan(target);
    const zone = current.zones?.[0];
    const tried = zonesTried(current.tags);
    const placement = nextSize(plan.sizes, zone, undefined, plan.fitOf);
    if (!placement)
      return await this.moveZone(
        target,
        plan,
        zone,
        tried,
        { kind: 'disks', name: current.name! },
        'no candidate size fits there',
      );
    return await this.putVm(target, plan, placement, current, nic, tried);
  }

  /**
   * PUTs the VM with `placement`'s size; a refusal that names the size (not offered, no
   * capacity) moves on to the next size at once, without waiting for a listing.
   */
  private async putVm(
    target: Target,
    plan: Plan,
    first: Placement,
    disk: Disk,
    nic: NetworkInterface,
    tried: readonly string[],
    vmExists = false,
  ): Promise<TemporaryDeviceState> {
    // Moving zones removes the VM when there is one (its disk and NIC go with it), else the disk.
    const leaving = vmExists
      ? { kind: 'vms' as const, name: vmName(target.name) }
      : { kind: 'disks' as const, name: disk.name! };
    let placement: Placement | undefined = first;
    let last: CreationFailure | undefined;
    while (placement) {
      const body = vmBody({
        region: target.region,
        placement,
        diskId: disk.id!,
        nicId: nic.id!,
        disk: target.disk,
        tags: target.tags,
        zonesTried: tried,
        ...(target.settings.hostPoolId ? { hostPoolId: target.settings.hostPoolId } : {}),
        ...this.reservationOf(target),
      });
      try {
        const poller = this.client(target).virtualMachines.createOrUpdate(
          target.resourceGroup,
          vmName(target.name),
          body,
        );
        await poller.submitted();
        await this.view.upsert(target.subscriptionId, target.resourceGroup, 'vms', {
          ...body,
          name: vmName(target.name),
          id: this.vmId(target.scope, target.name),
          provisioningState: 'Creating',
          timeCreated: this.clock.now(),
        });
        return this.provisioning(target);
      } catch (err) {
        if (isConflict(err)) return this.provisioning(target);
        last = classifyArmError(err);
        switch (last.kind) {
          case 'quota':
            throw this.quotaError(target, last);
          case 'sku-not-available':
          case 'size-capacity':
            placement = nextSize(plan.sizes, placement.zone, placement.size, plan.fitOf);
            continue;
          case 'zone-capacity':
            return await this.moveZone(target, plan, placement.zone, tried, leaving, describeFailure(last));
          case 'other':
            return { state: 'failed', reason: `Creating VM ${target.name} failed: ${describeFailure(last)}` };
        }
      }
    }
    return await this.moveZone(
      target,
      plan,
      first.zone,
      tried,
      leaving,
      last ? describeFailure(last) : undefined,
    );
  }

  /** The VM exists: follow its provisioning, its capacity failures, then its guest and registration. */
  private async advanceVm(target: Target, vm: VirtualMachine): Promise<TemporaryDeviceState> {
    let instanceView = vm.instanceView;
    let progress = vmProgress(vm, instanceView);
    if (progress.phase === 'failed' && !progress.code && !instanceView) {
      instanceView = await this.instanceView(target, vm);
      progress = vmProgress(vm, instanceView);
    }
    switch (progress.phase) {
      case 'deleting':
        return this.provisioning(target);
      case 'creating':
        return await this.unlessLate(target, vm, 'still creating');
      case 'failed':
        return await this.afterFailure(target, vm, classifyCreationFailure(progress.code, progress.message));
      case 'provisioned':
        break;
    }
    const { hostPoolId } = target.settings;
    if (hostPoolId) {
      const step = await this.registration.advance({
        hostPoolId,
        vm,
        resourceGroup: target.resourceGroup,
        subscriptionId: target.subscriptionId,
        region: target.region,
        user: target.request.user!,
        agentReady: async () => agentReady(instanceView ?? (await this.instanceView(target, vm))),
      });
      if (step.state === 'registered')
        return {
          state: 'ready',
          createdAt: (vm.timeCreated ?? this.clock.now()).toISOString(),
          scope: target.scope,
          connection: { hostPoolId, sessionHost: step.sessionHost },
        };
      if (step.state === 'failed') return { state: 'failed', reason: step.reason };
      return await this.unlessLate(target, vm, step.waitingFor);
    }
    instanceView ??= await this.instanceView(target, vm);
    if (agentReady(instanceView))
      return {
        state: 'ready',
        createdAt: (vm.timeCreated ?? this.clock.now()).toISOString(),
        scope: target.scope,
      };
    return await this.unlessLate(target, vm, 'its guest agent is not ready');
  }

  /** A failed VM: the next size, the next zone, waiting for quota, or failed. */
  private async afterFailure(
    target: Target,
    vm: VirtualMachine,
    failure: CreationFailure,
  ): Promise<TemporaryDeviceState> {
    const zone = vm.zones?.[0];
    const tried = zonesTried(vm.tags);
    switch (failure.kind) {
      case 'quota': {
        // Asked again: the same VM, in case the quota was raised; refused again, still waiting.
        const plan = await this.plan(target);
        const size = vm.hardwareProfile?.vmSize;
        const placement = size ? nextSize([size], zone, undefined, plan.fitOf) : undefined;
        const resources = await this.view.get(target.subscriptionId, target.resourceGroup);
        const disk = this.diskOf(vm, resources);
        const nic = resources.nics.get(nicName(target.name).toLowerCase());
        if (!placement || !disk || !nic) throw this.quotaError(target, failure);
        return await this.putVm(target, plan, placement, disk, nic, tried, true);
      }
      case 'size-capacity':
      case 'sku-not-available': {
        const plan = await this.plan(target);
        const next = nextSize(plan.sizes, zone, vm.hardwareProfile?.vmSize, plan.fitOf);
        if (!next)
          return await this.moveZone(
            target,
            plan,
            zone,
            tried,
            { kind: 'vms', name: vm.name! },
            describeFailure(failure),
          );
        const resources = await this.view.get(target.subscriptionId, target.resourceGroup);
        const disk = this.diskOf(vm, resources);
        const nic = resources.nics.get(nicName(target.name).toLowerCase());
        if (!disk || !nic) return this.provisioning(target);
        return await this.putVm(target, plan, next, disk, nic, tried, true);
      }
      case 'zone-capacity':
        return await this.moveZone(
          target,
          await this.plan(target),
          zone,
          tried,
          { kind: 'vms', name: vm.name! },
          describeFailure(failure),
        );
      case 'other':
        await this.startDelete([], target.subscriptionId, target.resourceGroup, 'vms', vm.name!);
        return {
          state: 'failed',
          reason: `VM ${target.name} failed to provision: ${describeFailure(failure)}`,
        };
    }
  }

  /**
   * No size left in `zone`: the VM (when there is one) goes with its disk and NIC, and a disk is
   * made in the next zone of the round, recording the zones tried; none left ends the round.
   */
  private async moveZone(
    target: Target,
    plan: Plan,
    zone: string | undefined,
    triedBefore: readonly string[],
    leaving: { kind: 'vms' | 'disks'; name: string },
    why: string | undefined,
  ): Promise<TemporaryDeviceState> {
    const tried =
      zone === undefined || triedBefore.includes(zone) ? [...triedBefore] : [...triedBefore, zone];
    // The VM takes its disk and NIC with it; without a VM, the disk of this zone goes alone.
    await this.startDelete([], target.subscriptionId, target.resourceGroup, leaving.kind, leaving.name);
    const next = zone === undefined ? undefined : nextZone(plan.zones, tried, plan.sizes, plan.fitOf);
    if (!next) {
      const where = tried.length > 0 ? `zones ${tried.join(', ')}` : 'the region';
      throw new CapacityUnavailableError(
        'no-capacity',
        `No capacity for ${target.name} in ${target.region}: sizes ${plan.sizes.join(', ')} tried in ${where}${why ? ` (last: ${why})` : ''}`,
      );
    }
    return await this.createDisk(target, next.zone, tried);
  }

  private async createDisk(
    target: Target,
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
      await this.client(target).disks.createOrUpdate(target.resourceGroup, name, body).submitted();
    } catch (err) {
      if (isConflict(err)) return this.provisioning(target);
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
    return this.provisioning(target);
  }

  private async createNic(target: Target): Promise<TemporaryDeviceState> {
    const name = nicName(target.name);
    const body = nicBody(target.region, target.subnetId, target.tags);
    try {
      await this.network
        .for(target.subscriptionId)
        .networkInterfaces.createOrUpdate(target.resourceGroup, name, body)
        .submitted();
    } catch (err) {
      if (isConflict(err)) return this.provisioning(target);
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
    return this.provisioning(target);
  }

  /** Past the deadline (from the VM's creation) the device fails and its VM goes, so ensuring again starts over. */
  private async unlessLate(
    target: Target,
    vm: VirtualMachine,
    waitingFor: string,
  ): Promise<TemporaryDeviceState> {
    const created = vm.timeCreated?.getTime();
    if (created === undefined || this.clock.now().getTime() - created < this.deadlineInMs)
      return this.provisioning(target);
    await this.startDelete([], target.subscriptionId, target.resourceGroup, 'vms', vm.name!);
    const minutes = Math.round(this.deadlineInMs / 60_000);
    return {
      state: 'failed',
      reason: `VM ${target.name} was not ready ${minutes} minutes after it was created (${vm.timeCreated!.toISOString()}): ${waitingFor} (provisioning state ${vm.provisioningState ?? 'unknown'})`,
    };
  }

  private provisioning(target: Target): TemporaryDeviceState {
    return { state: 'provisioning', scope: target.scope };
  }

  private quotaError(
    target: Target,
    failure: Extract<CreationFailure, { kind: 'quota' }>,
  ): CapacityUnavailableError {
    return new CapacityUnavailableError(
      'quota-exceeded',
      `The ${failure.quota} of subscription ${target.subscriptionId} in ${target.region} is spent: ${failure.message}`,
    );
  }

  private reservationOf(target: Target): { capacityReservationGroupId?: string } {
    const group = target.settings.capacityReservationGroupIds?.find(
      (id) => subscriptionOfArmId(id) === target.subscriptionId.toLowerCase(),
    );
    return group ? { capacityReservationGroupId: group } : {};
  }

  private diskOf(vm: VirtualMachine, resources: GroupResources): Disk | undefined {
    const id = vm.storageProfile?.osDisk?.managedDisk?.id;
    const name = id ? parseArmResourceId(id)?.name : undefined;
    return name ? resources.disks.get(name.toLowerCase()) : undefined;
  }

  /** One VM's instance view: only when the listing did not carry it (a GET metered per VM). */
  private async instanceView(
    target: Target,
    vm: VirtualMachine,
  ): Promise<VirtualMachineInstanceView | undefined> {
    try {
      return await this.client(target).virtualMachines.instanceView(target.resourceGroup, vm.name!);
    } catch (err) {
      if (isArmNotFound(err)) return undefined;
      throw err;
    }
  }

  private client(target: Target): ComputeManagementClient {
    return this.compute.for(target.subscriptionId);
  }

  private vmId(scope: string, name: string): string {
    return `${scope}/providers/Microsoft.Compute/virtualMachines/${vmName(name)}`;
  }

  // ---- deletion and listing ------------------------------------------------------------------

  /** Starts a deletion; a missing resource is done, a refused one is added to `refused`. */
  private async startDelete(
    refused: string[],
    subscriptionId: string,
    resourceGroup: string,
    kind: 'vms' | 'disks' | 'nics',
    name: string,
  ): Promise<void> {
    try {
      const poller =
        kind === 'vms'
          ? this.compute.for(subscriptionId).virtualMachines.delete(resourceGroup, name)
          : kind === 'disks'
            ? this.compute.for(subscriptionId).disks.delete(resourceGroup, name)
            : this.network.for(subscriptionId).networkInterfaces.delete(resourceGroup, name);
      await poller.submitted();
      await this.view.markDeleting(subscriptionId, resourceGroup, kind, name);
    } catch (err) {
      if (isArmNotFound(err)) return;
      const status = armStatusOf(err);
      if (status === 409 || status === 400) {
        refused.push(`${name}: ${describeFailure(classifyArmError(err))}`);
        return;
      }
      throw err;
    }
  }
}

function deleting(resource: { provisioningState?: string }): boolean {
  return resource.provisioningState?.toLowerCase() === 'deleting';
}

/** Another operation on the resource is in progress (a concurrent ensure): it is being made. */
function isConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return (
    armStatusOf(err) === 409 &&
    typeof code === 'string' &&
    ['conflict', 'anotheroperationinprogress'].includes(code.toLowerCase())
  );
}
