/**
 * Temporary devices on Azure compute: for each device, in the resource group of its restore
 * point's snapshot in the backup region, a disk copied from the snapshot, a NIC in the policy's
 * subnet, and a VM attaching the disk; then, where the policy names a DR host pool, the guest
 * re-registers there and the device's user is assigned to it.
 *
 * Start–record–check: no call waits for Azure. Each `ensureTemporaryDevice` looks at what exists
 * (a shared listing of the group, `ResourceGroupView`) and takes the next step — the disk, the NIC,
 * the VM (`StepsBeforeVm`), its capacity round (`CapacityRound`), the guest, the registration, the
 * assignment (`StepsWithVm`) — then returns `provisioning`; the caller checks back. Everything that
 * decides the next step lives in ARM (names, tags, the VM's size and state, the disk's zone and
 * the zones it records as tried), so any process, after any crash, continues where the last one
 * stopped; within a process, concurrent ensures of one device share one call.
 *
 * This class wires those parts together and keeps the port's four methods thin.
 */
import { systemClock, type Clock } from '../../../ports/Clock';
import type {
  ComputeProvider,
  TemporaryDevice,
  TemporaryDeviceConnection,
  TemporaryDeviceRequest,
  TemporaryDeviceState,
} from '../../../ports/ComputeProvider';
import type { HostPools } from '../../../ports/HostPools';
import { ComputeClients, type ComputeClientOptions } from '../../arm/createComputeClient';
import { CapacityRound } from './CapacityRound';
import { DeviceResourceCreation } from './DeviceResourceCreation';
import { deviceTargetOf } from './deviceTarget';
import { GroupAssignmentCheck } from './GroupAssignmentCheck';
import { NetworkClients } from './networkClients';
import { OrphanSessionHosts } from './OrphanSessionHosts';
import { PlacementPlans } from './PlacementPlans';
import { ResourceDeletions } from './ResourceDeletions';
import { ResourceGroupView } from './ResourceGroupView';
import { SessionHostRegistration } from './SessionHostRegistration';
import { SkuCatalog } from './SkuCatalog';
import { StepsBeforeVm } from './StepsBeforeVm';
import { StepsWithVm } from './StepsWithVm';
import { TemporaryDeviceDeletion } from './TemporaryDeviceDeletion';
import { TemporaryDeviceListing } from './TemporaryDeviceListing';
import { vmName } from './temporaryDeviceResources';
import { whyUserCannotConnect } from './userAccess';

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

export class AzureComputeProvider implements ComputeProvider {
  private readonly view: ResourceGroupView;
  private readonly assignments: GroupAssignmentCheck;
  private readonly beforeVm: StepsBeforeVm;
  private readonly withVm: StepsWithVm;
  private readonly deletion: TemporaryDeviceDeletion;
  private readonly listing: TemporaryDeviceListing;
  private readonly orphanHosts: OrphanSessionHosts;
  private readonly inFlight = new Map<string, Promise<TemporaryDeviceState>>();

  constructor(
    private readonly deps: AzureComputeProviderDependencies,
    options: AzureComputeProviderOptions = {},
  ) {
    const clock = options.clock ?? systemClock;
    const diskSku = options.diskSku ?? 'Premium_LRS';
    const compute = new ComputeClients(deps.clients);
    const network = new NetworkClients(deps.clients);
    this.view = new ResourceGroupView(compute, network, clock, options.listingTtlInMs ?? 10_000);
    this.assignments = new GroupAssignmentCheck(deps.hostPools, clock);
    const registration = new SessionHostRegistration(compute, deps.hostPools);
    const plans = new PlacementPlans(new SkuCatalog(compute, clock, options.skuTtlInMs), diskSku);
    const creation = new DeviceResourceCreation(compute, network, this.view, clock, diskSku);
    const deletions = new ResourceDeletions(compute, network, this.view);
    const round = new CapacityRound(plans, creation, deletions, this.view);
    this.beforeVm = new StepsBeforeVm(plans, creation, deletions, round);
    this.withVm = new StepsWithVm(
      compute,
      registration,
      round,
      deletions,
      clock,
      options.provisioningDeadlineInMs ?? 30 * 60_000,
    );
    this.deletion = new TemporaryDeviceDeletion(this.view, deletions, registration);
    this.orphanHosts = new OrphanSessionHosts(compute, this.view, deps.hostPools);
    this.listing = new TemporaryDeviceListing(this.view, deps.hostPools, clock, (region) =>
      deps.resourceGroups(region),
    );
  }

  async ensureTemporaryDevice(request: TemporaryDeviceRequest): Promise<TemporaryDeviceState> {
    // Concurrent ensures of one device in this process share one step: one PUT, not several.
    const key = `${request.region.toLowerCase()}/${request.name.toLowerCase()}`;
    const running = this.inFlight.get(key);
    if (running) return await running;
    const step = this.ensure(request).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, step);
    return await step;
  }

  async getTemporaryDevice(region: string, name: string): Promise<TemporaryDevice | undefined> {
    return await this.listing.find(region, name);
  }

  async deleteTemporaryDevice(
    region: string,
    name: string,
    scope?: string,
    connection?: TemporaryDeviceConnection,
  ): Promise<void> {
    const scopes = scope ? [scope] : await this.deps.resourceGroups(region);
    await this.deletion.delete(region, name, scopes, connection);
  }

  listTemporaryDevices(region: string): AsyncIterable<TemporaryDevice> {
    return this.listing.list(region);
  }

  async removeOrphanSessionHosts(hostPoolId: string, resourceGroups: readonly string[]): Promise<string[]> {
    return await this.orphanHosts.remove(hostPoolId, resourceGroups);
  }

  /** One step: fail what cannot be placed or reached, else advance from what the listing shows. */
  private async ensure(request: TemporaryDeviceRequest): Promise<TemporaryDeviceState> {
    const target = deviceTargetOf(request);
    if ('failed' in target) return { state: 'failed', reason: target.failed };
    const refusal = await whyUserCannotConnect(target, this.assignments);
    if (refusal) return { state: 'failed', reason: refusal };
    const resources = await this.view.get(target.subscriptionId, target.resourceGroup);
    const vm = resources.vms.get(vmName(target.name).toLowerCase());
    return vm ? await this.withVm.advance(target, vm) : await this.beforeVm.advance(target, resources);
  }
}
