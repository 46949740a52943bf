/**
 * Microsoft.Compute/virtualMachines made by PUT from an attached OS disk (rules vm.*,
 * compute.throttle.putVm): synchronous validation, then a provisioning timeline on the
 * simulated clock that an injected capacity fault fails or a stuck rule never ends.
 */
import { randomUUID } from 'node:crypto';
import { ArmError, refuse } from './armError';
import type { ComputeContext } from './computeContext';
import { normalizeLocation, sameLocation } from './context';
import type { ManagedDisksHandler } from './managedDisksHandler';
import type { NicsHandler } from './nicsHandler';
import type { HandlerResult } from './operations';
import { madeVmJson, madeVmState } from './representations';
import { idKey, parseResourceId, resourceId, type ResourceRef } from './resourceIds';
import type { RuleId } from './rules';
import type { DiskRecord, MadeVm, NicRecord, VmRecord } from './store';
import type { VmSize } from './skuCatalogue';

interface VmBody {
  location?: unknown;
  zones?: unknown;
  tags?: Record<string, string>;
  properties?: {
    hardwareProfile?: { vmSize?: unknown };
    storageProfile?: {
      osDisk?: { createOption?: unknown; managedDisk?: { id?: unknown }; deleteOption?: unknown };
    };
    networkProfile?: {
      networkInterfaces?: { id?: unknown; properties?: { primary?: unknown; deleteOption?: unknown } }[];
    };
    securityProfile?: { securityType?: unknown } & Record<string, unknown>;
    capacityReservation?: { capacityReservationGroup?: { id?: unknown } };
    userData?: unknown;
  };
}

const ALLOCATION_MESSAGES: Record<string, string> = {
  AllocationFailed:
    'Allocation failed. We do not have sufficient capacity for the requested VM size in this region. Read more about improving likelihood of allocation success at http://aka.ms/allocation-guidance',
  ZonalAllocationFailed:
    'Allocation failed. We do not have sufficient capacity for the requested VM size in this zone. Read more about improving likelihood of allocation success at http://aka.ms/allocation-guidance',
  OverconstrainedAllocationRequest:
    'Allocation failed. VM(s) with the following constraints cannot be allocated, because the condition is too restrictive. Please remove some constraints and try again.',
};

export class VmsHandler {
  constructor(
    private readonly ctx: ComputeContext,
    private readonly disks: ManagedDisksHandler,
    private readonly nics: NicsHandler,
  ) {}

  private fail(ruleId: RuleId, message: string): ArmError {
    this.ctx.stats.refusal(ruleId);
    return refuse(ruleId, message);
  }

  private json(vm: VmRecord, expand: boolean): unknown {
    return madeVmJson(vm, this.ctx.store.disks.get(idKey(vm.osDiskId)), this.ctx.clock.now(), expand);
  }

  get(ref: ResourceRef, expand: string | null): HandlerResult {
    const vm = this.ctx.store.vm(resourceId(ref));
    if (!vm) throw this.disks.notFound(ref);
    return { status: 200, body: this.json(vm, isInstanceView(expand)) };
  }

  list(subscriptionId: string, resourceGroup: string, expand: string | null): HandlerResult {
    const value = this.ctx.store
      .vmsIn(subscriptionId, resourceGroup)
      .map((v) => this.json(v, isInstanceView(expand)));
    return { status: 200, body: { value } };
  }

  put(ref: ResourceRef, body: VmBody, apiVersion: string): HandlerResult {
    const { store, clock, controls } = this.ctx;
    const now = clock.now();
    const id = resourceId(ref);
    const p = body.properties ?? {};
    const location = typeof body.location === 'string' ? normalizeLocation(body.location) : undefined;
    const sizeName = p.hardwareProfile?.vmSize;
    const osDisk = p.storageProfile?.osDisk;
    const diskId = osDisk?.managedDisk?.id;
    const nicRefs = p.networkProfile?.networkInterfaces ?? [];
    if (
      !location ||
      typeof sizeName !== 'string' ||
      osDisk?.createOption !== 'Attach' ||
      typeof diskId !== 'string' ||
      nicRefs.length === 0 ||
      nicRefs.some((n) => typeof n.id !== 'string')
    )
      throw this.fail(
        'vm.badRequest',
        'The double makes VMs with a location, hardwareProfile.vmSize, storageProfile.osDisk { createOption: Attach, managedDisk.id } and at least one network interface.',
      );

    // Compute's own PutVM policy answers before anything else is looked at.
    const throttle = this.ctx.computeThrottle.putVm(ref.subscriptionId, location, now);
    if ('refused' in throttle) {
      this.ctx.stats.refusal('compute.throttle.putVm');
      return throttle.refused;
    }

    const zones = Array.isArray(body.zones) ? (body.zones as unknown[]).map(String) : [];
    const zone = zones[0];
    const existing = store.vm(id);
    if (existing && (existing.zone !== zone || idKey(existing.osDiskId) !== idKey(diskId)))
      throw this.fail(
        'vm.put.immutable',
        `Changing property '${existing.zone !== zone ? 'zones' : 'osDisk.managedDisk.id'}' of VM '${ref.name}' is not allowed.`,
      );

    const disk = this.attachableDisk(id, diskId, ref, location, zone);
    const nics = nicRefs.map((n) => this.attachableNic(id, n.id as string, location));
    const size = this.fittingSize(ref, sizeName, location, zone, disk, p.securityProfile?.securityType);

    if (!existing) {
      const count = store.vmCount(ref.subscriptionId, location);
      if (count >= this.ctx.limits.vmsPerSubscriptionRegion)
        throw this.fail(
          'vm.count.perRegion',
          `Subscription '${ref.subscriptionId}' already has ${count} virtual machines in '${location}'.`,
        );
    }
    this.checkQuota(ref.subscriptionId, location, size, id);

    const groupId = p.capacityReservation?.capacityReservationGroup?.id;
    if (
      groupId !== undefined &&
      (typeof groupId !== 'string' || !controls.reservations.some((r) => idKey(r.groupId) === idKey(groupId)))
    )
      throw this.fail(
        'vm.badRequest',
        `Capacity reservation group '${typeof groupId === 'string' ? groupId : JSON.stringify(groupId)}' was not found.`,
      );

    const sameRequest =
      existing?.made &&
      existing.size.toLowerCase() === size.name.toLowerCase() &&
      madeVmState(existing.made, now) !== 'Failed';
    if (existing?.made && sameRequest) {
      // vm.put.converges: nothing to provision again; tags follow the PUT.
      existing.made.tags = { ...(body.tags ?? {}) };
      existing.made.sizesTried.push(size.name);
      return this.accepted(existing, apiVersion, 200, now, throttle.headers);
    }

    const made: MadeVm = existing?.made ?? {
      vmId: randomUUID(),
      tags: {},
      nics: [],
      osDiskDeleteOption: 'Detach',
      storageAccountType: 'Premium_LRS',
      securityType: undefined,
      securityProfile: undefined,
      capacityReservationGroupId: undefined,
      userData: undefined,
      timeCreated: now,
      startedAt: now,
      readyAt: now,
      agentReadyAt: now,
      failure: undefined,
      phase: 'Creating',
      sizesTried: [],
      deleted: false,
    };
    made.tags = { ...(body.tags ?? {}) };
    made.nics = nicRefs.map((n, i) => ({
      id: n.id as string,
      primary: n.properties?.primary === true || (nicRefs.length === 1 && i === 0),
      deleteOption: n.properties?.deleteOption === 'Delete' ? 'Delete' : 'Detach',
    }));
    made.osDiskDeleteOption = osDisk.deleteOption === 'Delete' ? 'Delete' : 'Detach';
    made.storageAccountType = disk.made?.skuName ?? 'Premium_LRS';
    made.securityType =
      typeof p.securityProfile?.securityType === 'string' ? p.securityProfile.securityType : undefined;
    made.securityProfile = p.securityProfile;
    made.capacityReservationGroupId = typeof groupId === 'string' ? groupId : undefined;
    made.userData = typeof p.userData === 'string' ? p.userData : undefined;
    made.phase = existing ? 'Updating' : 'Creating';
    made.sizesTried.push(size.name);

    const reserved =
      made.capacityReservationGroupId !== undefined &&
      this.reservationSlot(made.capacityReservationGroupId, size.name, location, zone, id);
    const fault = reserved ? undefined : controls.takeCapacity(location, size.name, zone);
    const stuck = controls.takeStuck(ref.name, location, size.name);
    if (fault || stuck) this.ctx.stats.injectedFault();
    made.startedAt = now;
    made.readyAt = stuck
      ? Number.POSITIVE_INFINITY
      : now + (fault ? this.ctx.allocationFailureMs : this.ctx.vmProvisionMs);
    made.agentReadyAt = made.readyAt + this.ctx.agentReadyMs;
    made.failure = fault
      ? { code: fault.code, message: ALLOCATION_MESSAGES[fault.code] ?? fault.code }
      : undefined;

    const record: VmRecord = existing ?? {
      id,
      name: ref.name,
      subscriptionId: ref.subscriptionId,
      resourceGroup: ref.resourceGroup,
      location,
      size: size.name,
      zone,
      osDiskId: disk.id,
      osDiskName: disk.seed.name,
      osType: disk.seed.osType,
      made,
    };
    record.size = size.name;
    record.made = made;
    if (!existing) {
      store.vms.set(idKey(id), record);
      this.ctx.computeThrottle.counts.vmsCreated += 1;
    }
    // The disk and NICs belong to the VM from the PUT on, a Failed VM included (vm.allocation.failed).
    disk.managedBy = id;
    for (const nic of nics) nic.virtualMachineId = id;
    return this.accepted(record, apiVersion, existing ? 200 : 201, now, throttle.headers);
  }

  private accepted(
    vm: VmRecord,
    apiVersion: string,
    status: number,
    now: number,
    headers: Record<string, string>,
  ): HandlerResult {
    const made = vm.made as MadeVm;
    const operation = this.ctx.operations.start({
      subscriptionId: vm.subscriptionId,
      location: vm.location,
      startedAt: now,
      doneAt: Math.max(now, made.readyAt),
      provider: 'compute',
      output: () => undefined,
      ...(made.failure ? { failure: new ArmError(200, made.failure.code, made.failure.message) } : {}),
    });
    const result = this.ctx.operations.accepted(operation, apiVersion, this.json(vm, false), status);
    return { ...result, headers: { ...result.headers, ...headers } };
  }

  delete(ref: ResourceRef, apiVersion: string): HandlerResult {
    const { store, clock, operations, limits } = this.ctx;
    const now = clock.now();
    const vm = store.vm(resourceId(ref));
    if (!vm) return { status: 204 };
    const disk = store.disk(vm.osDiskId);
    if (disk) {
      if (vm.made?.osDiskDeleteOption === 'Delete') this.disks.remove(disk);
      else disk.managedBy = undefined;
    }
    for (const ref of vm.made?.nics ?? []) {
      const nic = store.nic(ref.id);
      if (!nic) continue;
      if (ref.deleteOption === 'Delete') this.nics.remove(nic);
      else nic.virtualMachineId = undefined;
    }
    store.vms.delete(idKey(vm.id));
    if (vm.made) vm.made.deleted = true;
    store.deletedVms.push(vm);
    this.ctx.computeThrottle.counts.vmsDeleted += 1;
    const operation = operations.start({
      subscriptionId: ref.subscriptionId,
      location: normalizeLocation(vm.location),
      startedAt: now,
      doneAt: now + limits.lroMs,
      provider: 'compute',
      output: () => undefined,
    });
    return operations.accepted(operation, apiVersion);
  }

  private attachableDisk(
    vmId: string,
    diskId: string,
    ref: ResourceRef,
    location: string,
    zone: string | undefined,
  ): DiskRecord {
    const diskRef = parseResourceId(diskId);
    const disk = this.ctx.store.disk(diskId);
    if (!diskRef || diskRef.type !== 'disks' || !disk)
      throw this.disks.notFound(diskRef ?? { ...ref, type: 'disks', name: diskId });
    if (
      disk.seed.subscriptionId.toLowerCase() !== ref.subscriptionId.toLowerCase() ||
      !sameLocation(disk.seed.location, location)
    )
      throw this.fail(
        'vm.disk.region',
        `Disk '${disk.id}' is in '${disk.seed.location}'; the VM is in '${location}'.`,
      );
    if (disk.seed.zone !== zone)
      throw this.fail(
        'vm.disk.zone',
        `Disk '${disk.id}' is in zone '${disk.seed.zone ?? 'none'}' and cannot be attached to a VM in zone '${zone ?? 'none'}'.`,
      );
    if (disk.managedBy && idKey(disk.managedBy) !== idKey(vmId))
      throw this.fail(
        'vm.disk.attachedElsewhere',
        `Disk '${disk.seed.name}' cannot be attached: it is already attached to VM '${disk.managedBy}'.`,
      );
    return disk;
  }

  private attachableNic(vmId: string, id: string, location: string): NicRecord {
    const nic = this.ctx.store.nic(id);
    if (!nic) {
      this.ctx.stats.refusal('arm.notFound');
      throw refuse(
        'arm.notFound',
        `The Resource 'Microsoft.Network/networkInterfaces/${id.split('/').pop() ?? id}' was not found.`,
      );
    }
    if (!sameLocation(nic.location, location))
      throw this.fail(
        'vm.disk.region',
        `Network interface '${id}' is in '${nic.location}'; the VM is in '${location}'.`,
      );
    if (nic.virtualMachineId && idKey(nic.virtualMachineId) !== idKey(vmId))
      throw this.fail(
        'vm.disk.attachedElsewhere',
        `Network interface '${id}' is used by VM '${nic.virtualMachineId}'.`,
      );
    return nic;
  }

  private fittingSize(
    ref: ResourceRef,
    name: string,
    location: string,
    zone: string | undefined,
    disk: DiskRecord,
    vmSecurityType: unknown,
  ): VmSize {
    const { catalogue } = this.ctx;
    const vmResource = resourceId(ref);
    const unavailable = `The requested size for resource '${vmResource}' is currently not available in location '${location}' zones '${zone ?? ''}' for subscription '${ref.subscriptionId}'. Please try another size or deploy to a different location or zones. See https://aka.ms/azureskunotavailable for details.`;
    const size = catalogue.offered(name, location);
    if (!size) throw this.fail('vm.size.unknown', unavailable);
    if (catalogue.restricted(size, ref.subscriptionId, location, zone))
      throw this.fail('vm.size.skuNotAvailable', unavailable);
    const seed = disk.seed;
    if (!size.hyperVGenerations.includes(seed.hyperVGeneration))
      throw this.fail(
        'vm.size.hyperVGeneration',
        `The selected VM size '${size.name}' cannot boot Hypervisor Generation '${seed.hyperVGeneration.slice(1)}'. If this was a Create operation please check that the Hypervisor Generation of the Image matches the Hypervisor Generation of the selected VM Size.`,
      );
    const diskControllers = (seed.diskControllerTypes ?? 'SCSI')
      .split(',')
      .map((t) => t.trim().toUpperCase());
    if (!size.diskControllerTypes.some((t) => diskControllers.includes(t.toUpperCase())))
      throw this.fail(
        'vm.size.diskController',
        `The VM size '${size.name}' supports disk controller types '${size.diskControllerTypes.join(', ')}' only; OS disk '${seed.name}' supports '${diskControllers.join(', ')}'.`,
      );
    const storage = disk.made?.skuName ?? 'Premium_LRS';
    if (storage.startsWith('Premium') && !size.premiumIO)
      throw this.fail(
        'vm.size.premiumIO',
        `Requested operation cannot be performed because the VM size ${size.name} does not support the storage account type ${storage} of disk '${seed.name}'. Consider updating the VM to a size that supports Premium storage.`,
      );
    const diskSecurity =
      seed.securityType && seed.securityType !== 'Standard' ? seed.securityType : undefined;
    const vmSecurity =
      typeof vmSecurityType === 'string' && vmSecurityType !== 'Standard' ? vmSecurityType : undefined;
    const expected = diskSecurity?.startsWith('ConfidentialVM') ? 'ConfidentialVM' : diskSecurity;
    if (expected !== vmSecurity)
      throw this.fail(
        'vm.security.match',
        `Security type of VM '${vmSecurity ?? 'Standard'}' is not compatible with the security type '${diskSecurity ?? 'Standard'}' of OS disk '${seed.name}'.`,
      );
    if (
      (vmSecurity === 'TrustedLaunch' && !size.trustedLaunch) ||
      (vmSecurity === 'ConfidentialVM' && !size.confidential)
    )
      throw this.fail(
        'vm.security.size',
        `The VM size '${size.name}' is not supported for security type '${vmSecurity}'.`,
      );
    return size;
  }

  private checkQuota(subscriptionId: string, location: string, size: VmSize, vmId: string): void {
    const limit = this.ctx.controls.quota(subscriptionId, location, size.family);
    if (limit === undefined) return;
    const now = this.ctx.clock.now();
    const usage = [...this.ctx.store.vms.values()]
      .filter(
        (v) =>
          idKey(v.id) !== idKey(vmId) &&
          v.subscriptionId.toLowerCase() === subscriptionId.toLowerCase() &&
          sameLocation(v.location, location) &&
          this.ctx.catalogue.get(v.size)?.family.toLowerCase() === size.family.toLowerCase() &&
          !(v.made && madeVmState(v.made, now) === 'Failed'),
      )
      .reduce((sum, v) => sum + (this.ctx.catalogue.get(v.size)?.vCPUs ?? 0), 0);
    if (usage + size.vCPUs > limit)
      throw this.fail(
        'vm.quota.cores',
        `Operation could not be completed as it results in exceeding approved ${size.family} Cores quota. Additional details - Deployment Model: Resource Manager, Location: ${location}, Current Limit: ${limit}, Current Usage: ${usage}, Additional Required: ${size.vCPUs}, (Minimum) New Limit Required: ${usage + size.vCPUs}. Submit a request for Quota increase at https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView by specifying parameters listed in the ‘Details’ section for deployment to succeed. Please read more about quota limits at https://docs.microsoft.com/en-us/azure/azure-supportability/per-vm-quota-requests`,
      );
  }

  /** Whether the group holds a free slot of the size (and zone) for this VM (vm.capacityReservation). */
  private reservationSlot(
    groupId: string,
    size: string,
    location: string,
    zone: string | undefined,
    vmId: string,
  ): boolean {
    const now = this.ctx.clock.now();
    return this.ctx.controls.reservations.some((r) => {
      if (idKey(r.groupId) !== idKey(groupId) || r.size.toLowerCase() !== size.toLowerCase()) return false;
      if (!sameLocation(r.region, location) || (r.zone !== undefined && r.zone !== zone)) return false;
      const used = [...this.ctx.store.vms.values()].filter(
        (v) =>
          idKey(v.id) !== idKey(vmId) &&
          v.made?.capacityReservationGroupId !== undefined &&
          idKey(v.made.capacityReservationGroupId) === idKey(groupId) &&
          v.size.toLowerCase() === size.toLowerCase() &&
          madeVmState(v.made, now) !== 'Failed',
      ).length;
      return used < r.capacity;
    });
  }
}

function isInstanceView(expand: string | null): boolean {
  return (
    expand
      ?.toLowerCase()
      .split(',')
      .map((e) => e.trim())
      .includes('instanceview') ?? false
  );
}
