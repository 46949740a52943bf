/**
 * The managed-disk fleet: one OS disk per device seeded in the ARM double (one subscription, as
 * the tightest case: every call draws on the same buckets), a tenant whose disk scope is that
 * subscription with two backup resource groups in the backup region, an hourly policy keeping one
 * point (so every cycle after the seed prunes one, as retention does at its steady state whatever
 * it keeps), and the devices registered through the product's import (each checked in ARM).
 */
import { randomUUID } from 'node:crypto';
import type { ImportRow } from '../src/app/DeviceService';
import { services } from '../src/compositionRoot';
import { LocalRegions } from '../src/local/localSettings';
import type { ArmDouble } from '../test/support/arm/startArmDouble';

const policyId = 'hourly-managed';
const importChunk = 1_000;

export interface ManagedFleet {
  subscriptionId: string;
  /** Device id → its disk's ARM id. */
  disks: Map<string, string>;
}

export async function setUpManagedFleet(
  double: ArmDouble,
  tenantId: string,
  ids: readonly string[],
  diskGiB: number,
): Promise<ManagedFleet> {
  const subscriptionId = randomUUID();
  const disks = new Map<string, string>();
  for (const id of ids)
    disks.set(
      id,
      await double.seedDisk({
        subscriptionId,
        resourceGroup: 'rg-desktops',
        name: `${id}-os`,
        location: LocalRegions.primary,
        sizeGB: diskGiB,
        osType: 'Windows',
        hyperVGeneration: 'V2',
        securityType: 'TrustedLaunch',
        vm: { name: `vm-${id}`, size: 'Standard_D2s_v5' },
      }),
    );
  const { tenants, policies, devices } = services();
  await tenants.putEntitlement(tenantId, {
    name: 'Benchmark (managed disks)',
    licences: ids.length,
    allowedBackupRegions: [LocalRegions.backup],
    diskScopes: [{ kind: 'managedDisk', armScope: `/subscriptions/${subscriptionId}` }],
    backupResourceGroups: {
      [LocalRegions.backup]: ['rg-dr-a', 'rg-dr-b'].map(
        (group) => `/subscriptions/${subscriptionId}/resourceGroups/${group}`,
      ),
    },
  });
  await policies.put(tenantId, policyId, {
    name: 'Hourly',
    backupRegion: LocalRegions.backup,
    rpoHours: 1,
    retention: { latest: 1, weekly: 0, keepLatestManual: false },
    enabled: true,
  });
  for (let start = 0; start < ids.length; start += importChunk) {
    const rows: ImportRow[] = ids.slice(start, start + importChunk).map((id, index) => ({
      index,
      id,
      input: {
        upn: `${id}@bench.test`,
        primaryRegion: LocalRegions.primary,
        disk: { kind: 'managedDisk', armId: disks.get(id)! },
        policyId,
        priorityTier: (index % 3) + 1,
      },
    }));
    const results = await devices.import(tenantId, rows);
    const failed = results.find((r) => r.outcome !== 'created' || r.licensed !== true);
    if (failed) throw new Error(`Importing device ${failed.id} failed: ${JSON.stringify(failed)}`);
  }
  return { subscriptionId, disks };
}
