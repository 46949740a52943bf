/**
 * The `recovery-arm-product` benchmark's fleet, set up through the product and protected by it,
 * shaped like the direct run's (recoveryFleet.ts) so the two recover the same thing: one
 * subscription, two backup resource groups in the backup region, a subnet there, each device's
 * OS disk in the primary region (recorded zone round-robin over 1, 2, 3, the direct run's size
 * and fallbacks), no DR host pool, and every device in priority tier 1, so that the activation
 * dispatches them all as one wave, as the direct run starts them all at once.
 *
 * The tenant, its policy and its devices go in through the services the HTTP routes call (the
 * import reads each disk from ARM, as over HTTP); then one protection cycle — the registered
 * scheduler and `takeRestorePoint` worker, CopyStart into the backup groups, verification — leaves
 * each device one verified point, as `test/support/azureRecoveryFleet.ts` does for the 300-device
 * test. That module cannot be imported here: it asserts with vitest's `expect`, which refuses to
 * load outside vitest.
 */
import type { ImportRow } from '../src/app/DeviceService';
import { installedStores, services } from '../src/compositionRoot';
import { LocalRegions } from '../src/local/localSettings';
import type { ArmDouble } from '../test/support/arm/startArmDouble';
import type { BenchClock, EventRecorder } from './cycle';
import { subscriptionId as benchSubscription } from './recoveryFleet';

const hourMs = 3_600_000;
const policyId = 'hourly';
const importChunk = 50;
const importRounds = 5;

export interface RecoveryProductFleetOptions {
  tenantId: string;
  ids: readonly string[];
  diskGiB: number;
  /** Each device's recorded size, then the policy's fallbacks. */
  size: string;
  fallbackSizes: string[];
  groupsPerSubscription: number;
}

export interface RecoveryProductFleet {
  subscriptionId: string;
  backupGroups: string[];
  subnetId: string;
  /** Device id → its OS disk's ARM id in the primary region. */
  disks: Map<string, string>;
}

export async function setUpRecoveryProductFleet(
  double: ArmDouble,
  o: RecoveryProductFleetOptions,
): Promise<RecoveryProductFleet> {
  const sub = benchSubscription(0);
  const subnetId = `/subscriptions/${sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-dr/subnets/desktops`;
  double.seedSubnet(subnetId, LocalRegions.backup);
  const backupGroups = Array.from(
    { length: o.groupsPerSubscription },
    (_, g) => `/subscriptions/${sub}/resourceGroups/rg-dr-${g + 1}`,
  );
  const disks = new Map<string, string>();
  for (const [i, id] of o.ids.entries()) {
    const zone = String((i % 3) + 1);
    disks.set(
      id,
      await double.seedDisk({
        subscriptionId: sub,
        resourceGroup: 'rg-desktops',
        name: `${id}-os`,
        location: LocalRegions.primary,
        sizeGB: o.diskGiB,
        zone,
        osType: 'Windows',
        hyperVGeneration: 'V2',
        securityType: 'TrustedLaunch',
        diskControllerTypes: 'SCSI',
        vm: { name: `vm-${id}`, size: o.size, zone },
      }),
    );
  }

  const { tenants, policies, devices } = services();
  await tenants.putEntitlement(o.tenantId, {
    name: 'Benchmark (recovery onto Azure compute)',
    licences: o.ids.length,
    allowedBackupRegions: [LocalRegions.backup],
    diskScopes: [{ kind: 'managedDisk', armScope: `/subscriptions/${sub}` }],
    backupResourceGroups: { [LocalRegions.backup]: backupGroups },
  });
  await policies.put(o.tenantId, policyId, {
    name: 'Hourly',
    backupRegion: LocalRegions.backup,
    rpoHours: 1,
    retention: { latest: 1, weekly: 0, keepLatestManual: false },
    enabled: true,
    recovery: { subnetIds: [subnetId], fallbackSizes: o.fallbackSizes, zones: ['1', '2', '3'] },
  });
  // In batches, each row's ARM read within the import's deadline; a row that ran out of it (ARM
  // "could not be reached" on a loaded machine) is sent again, as an admin's script would
  // (test/support/azureRecoveryFleet.ts does the same).
  let pending = [...o.ids];
  for (let round = 0; round < importRounds && pending.length > 0; round += 1) {
    const failed: string[] = [];
    for (let start = 0; start < pending.length; start += importChunk) {
      const rows: ImportRow[] = pending.slice(start, start + importChunk).map((id, index) => ({
        index,
        id,
        input: {
          upn: `${id}@bench.test`,
          primaryRegion: LocalRegions.primary,
          disk: { kind: 'managedDisk', armId: disks.get(id)! },
          policyId,
          priorityTier: 1,
        },
      }));
      for (const r of await devices.import(o.tenantId, rows)) {
        if (r.outcome === 'created' && r.licensed === true) continue;
        if (round + 1 === importRounds)
          throw new Error(`Importing device ${r.id} failed: ${JSON.stringify(r)}`);
        failed.push(r.id);
      }
    }
    pending = failed;
  }
  return { subscriptionId: sub, backupGroups, subnetId, disks };
}

/**
 * One protection cycle an hour after registration (the scheduler's use case, the registered
 * worker already running): waits for every device's `rpo.protected`, then checks each device has
 * a verified point and nothing pending.
 */
export async function protectOnce(input: {
  tenantId: string;
  ids: readonly string[];
  clock: BenchClock;
  events: EventRecorder;
  timeoutMs: number;
}): Promise<void> {
  const { clock, events, ids } = input;
  events.reset(ids.length);
  clock.time += hourMs;
  await services().scheduler.run(clock.now());
  const deadline = performance.now() + input.timeoutMs;
  while (events.allProtectedAt === undefined) {
    if (performance.now() > deadline)
      throw new Error(
        `Protection recorded ${events.protectedCount} of ${ids.length} devices in ${Math.round(input.timeoutMs / 1000)} s; ` +
          `events ${JSON.stringify(events.counts)}, retries and failures ${JSON.stringify(events.failures)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // The event comes as the point is recorded; the device's own record may follow a moment later.
  const registry = installedStores().devices;
  for (const id of ids) {
    for (;;) {
      const device = await registry.get(input.tenantId, id);
      if (device?.lastVerifiedAt && !device.pending) break;
      if (performance.now() > deadline)
        throw new Error(`Device ${id} is not protected after the cycle: ${JSON.stringify(device)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
