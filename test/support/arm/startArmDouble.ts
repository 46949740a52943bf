/**
 * Starts the local ARM test double on a free port (https, self-signed): real
 * `@azure/arm-compute` clients point at it with `clientOptions()` and a credential from it.
 * Rules, limits and their sources: rules.ts.
 */
import { ComputeControls } from './computeControls';
import type { ComputeContext } from './computeContext';
import { ComputeRoutes } from './computeRoutes';
import { computeViews } from './computeViews';
import { ComputeThrottle } from './computeThrottle';
import { AvdRoutes } from './avdRoutes';
import { CopyEngine } from './copyEngine';
import type { ArmContext } from './context';
import { DisksHandler } from './disksHandler';
import { ManagedDisksHandler } from './managedDisksHandler';
import { NicsHandler } from './nicsHandler';
import { SkuCatalogue } from './skuCatalogue';
import { VmsHandler } from './vmsHandler';
import { FaultBook } from './faults';
import { OperationBook } from './operations';
import { Router } from './router';
import {
  DEFAULT_COPY_GIB_PER_HOUR,
  DEFAULT_AGENT_READY_SECONDS,
  DEFAULT_ALLOCATION_FAILURE_SECONDS,
  DEFAULT_COPY_MINIMUM_MS,
  DEFAULT_VM_PROVISION_SECONDS,
  DEFAULT_TIME_SCALE,
  DOCUMENTED_LIMITS,
} from './rules';
import { selfSignedCert } from './selfSignedCert';
import { ArmServer } from './server';
import { SimulatedClock } from './simulatedClock';
import { SnapshotsHandler } from './snapshotsHandler';
import { DoubleStats } from './stats';
import { ArmStore } from './store';
import { Throttler } from './throttler';
import { TokenIssuer } from './tokens';
import type { ArmDouble, ArmDoubleOptions, ArmLimits, SnapshotView } from './types';
import { idKey } from './resourceIds';

export type * from './types';
export type * from './avdTypes';
export { DESKTOP_VIRTUALIZATION_USER } from './avdTypes';

/** The principal `ArmDouble.credential` names. */
export const CONTROL_PLANE_PRINCIPAL = 'control-plane';
/** The caller region a credential names unless told otherwise. */
export const DEFAULT_CALLER_REGION = 'default';

export async function startArmDouble(options: ArmDoubleOptions = {}): Promise<ArmDouble> {
  const overridden: Partial<ArmLimits> = { ...(options.limits ?? {}) };
  const limits: ArmLimits = { ...DOCUMENTED_LIMITS, ...overridden };
  const clock = new SimulatedClock(options.timeScale ?? DEFAULT_TIME_SCALE, Date.now(), options.clockState);
  const store = new ArmStore();
  const copies = new CopyEngine(store, {
    gibPerHour: options.copyGiBPerHour ?? DEFAULT_COPY_GIB_PER_HOUR,
    minimumMs: options.copyMinimumMs ?? DEFAULT_COPY_MINIMUM_MS,
  });
  let endpoint = '';
  const ctx: ArmContext = {
    store,
    copies,
    operations: new OperationBook(() => endpoint),
    faults: new FaultBook(),
    clock,
    limits,
    stats: new DoubleStats(clock.timeScale, limits, overridden),
    endpoint: () => endpoint,
  };
  const disks = new DisksHandler(ctx);
  // Issue 29: compute and network (COMPUTE_DOUBLE.md).
  const computeThrottle = new ComputeThrottle(limits);
  const compute: ComputeContext = {
    ...ctx,
    catalogue: new SkuCatalogue(),
    controls: new ComputeControls(),
    computeThrottle,
    vmProvisionMs: (options.vmProvisionSeconds ?? DEFAULT_VM_PROVISION_SECONDS) * 1000,
    agentReadyMs: (options.agentReadySeconds ?? DEFAULT_AGENT_READY_SECONDS) * 1000,
    allocationFailureMs: (options.allocationFailureSeconds ?? DEFAULT_ALLOCATION_FAILURE_SECONDS) * 1000,
  };
  const managedDisks = new ManagedDisksHandler(compute);
  const nics = new NicsHandler(compute);
  const computeRoutes = new ComputeRoutes(
    compute,
    managedDisks,
    nics,
    new VmsHandler(compute, managedDisks, nics),
  );
  // Issue 29: Azure Virtual Desktop, run commands, role assignments (AVD_DOUBLE.md); first, so it settles due registrations before every request.
  const avd = new AvdRoutes(ctx, options.avd);
  const tokens = new TokenIssuer();
  const tls = await selfSignedCert();
  const server = new ArmServer(tls, {
    ctx,
    router: new Router(ctx, disks, new SnapshotsHandler(ctx), [avd, computeRoutes]),
    throttler: new Throttler(limits),
    tokens,
    throttling: options.throttling ?? 'enforce',
  });
  const port = await server.listen();
  endpoint = `https://127.0.0.1:${port}`;

  const credentialFor = (principalId: string, opts?: { callerRegion?: string }) =>
    tokens.credential({ principalId, callerRegion: opts?.callerRegion ?? DEFAULT_CALLER_REGION });

  return {
    endpoint,
    ca: tls.cert,
    credential: credentialFor(CONTROL_PLANE_PRINCIPAL),
    credentialFor,
    clientOptions: () => ({ endpoint, tlsOptions: { ca: tls.cert } }),
    seedDisk: async (seed) => disks.seed(seed),
    writeToDisk: (diskId, changedGiB) => {
      const disk = store.disk(diskId);
      if (!disk) throw new RangeError(`No seeded disk ${diskId}`);
      if (!(changedGiB >= 0)) throw new RangeError(`changedGiB must be non-negative, got ${changedGiB}`);
      disk.changedGiB += changedGiB;
    },
    inject: (rule) => ctx.faults.add(rule),
    stats: () => {
      copies.settle(clock.now());
      return {
        ...ctx.stats.snapshot((sub, location) => copies.inFlight(sub, location)),
        compute: computeThrottle.stats(),
      };
    },
    snapshots: () => {
      const now = clock.now();
      copies.settle(now);
      return [...store.liveSnapshots(), ...store.deletedSnapshots]
        .sort((a, b) => a.creationOrder - b.creationOrder)
        .map((s): SnapshotView => ({
          id: s.id,
          name: s.name,
          subscriptionId: s.subscriptionId,
          resourceGroup: s.resourceGroup,
          location: s.location,
          incremental: true,
          createOption: s.createOption,
          sourceResourceId: s.sourceResourceId,
          diskId: store.disks.get(s.diskKey)?.id ?? s.diskKey,
          completionPercent: copies.completionPercent(s, now),
          copyCompletionError: s.copy?.error ? { ...s.copy.error } : undefined,
          provisioningState: s.deleted ? 'Deleted' : now < s.lroDoneAt ? 'Updating' : 'Succeeded',
          tags: { ...s.tags },
          creationOrder: s.creationOrder,
          timeCreated: s.timeCreated,
          copyGiB: s.copy?.sizeGiB,
          deleted: s.deleted,
        }));
    },
    clock: () => clock.now(),
    advance: (ms) => clock.advance(ms),
    seedSubnet: (subnetId, region) => nics.seedSubnet(subnetId, region),
    seedVmSize: (size) => compute.catalogue.seed(size),
    setQuota: (subscriptionId, region, family, cores) =>
      compute.controls.setQuota(subscriptionId, region, family, cores),
    injectCapacity: (fault) => compute.controls.injectCapacity(fault),
    stuckVm: (match) => compute.controls.stuckVm(match),
    seedCapacityReservation: (reservation) => compute.controls.seedReservation(reservation),
    ...computeViews(compute),
    avd: avd.facade(),
    close: async () => await server.close(),
  };
}

/** The id key the double uses (exported for tests that compare ids without case). */
export { idKey };
