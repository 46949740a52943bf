/**
 * A managed-disk copy's encryption and its content check, against the local ARM double (real
 * `@azure/arm-compute` client) and Azurite's backup region: a disk encrypted with a customer-managed
 * key is copied with the tenant's disk encryption set of the copy's own subscription, or not at all;
 * the rate of content comparison is the target's (its policy's), not only the deployment's.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmDiskSource } from '../../../src/adapters/arm/ArmDiskSource';
import { ComputeClients } from '../../../src/adapters/arm/createComputeClient';
import { ManagedDiskRestorePointStore } from '../../../src/adapters/arm/ManagedDiskRestorePointStore';
import { sasRangeReader } from '../../../src/adapters/arm/readSasRange';
import { RestorePointCatalog } from '../../../src/adapters/blob/RestorePointCatalog';
import type { DiskSnapshot, ManagedDiskRef } from '../../../src/domain/disk';
import { contentSampled } from '../../../src/domain/managedDiskPlacement';
import type { SnapshotSlot } from '../../../src/ports/DiskSource';
import type { RestorePointTarget } from '../../../src/ports/RestorePointStore';
import { startArmDouble, type ArmDouble } from '../../support/arm/startArmDouble';
import { MemoryCopySlots } from '../../support/memoryCopySlots';
import { azuriteRegionClients, backup, primary } from '../blob/azuriteRegions';

const sub = '21111111-2222-4333-8444-555555555555';
const otherSub = '31111111-2222-4333-8444-555555555555';
const diskGroup = 'rg-desktops';
const backupGroup = `/subscriptions/${sub}/resourceGroups/rg-dr-${backup}`;
const des = (subscription: string, name: string) =>
  `/subscriptions/${subscription}/resourceGroups/rg-keys/providers/Microsoft.Compute/diskEncryptionSets/${name}`;
const sourceSet = des(sub, `des-${primary}`);
const backupSet = des(sub, `des-${backup}`);
const cmk = 'EncryptionAtRestWithCustomerKey';
const fast = 10;

describe('managed-disk copies of customer-managed-key disks, and the content-check rate', () => {
  let double: ArmDouble;
  let clients: ComputeClients;
  let source: ArmDiskSource;
  let store: ManagedDiskRestorePointStore;
  const slots = new MemoryCopySlots(100);
  const events: { event: string; properties: Record<string, unknown> }[] = [];
  const tenantId = randomUUID();

  async function seed(name: string, encryption?: { type: string; diskEncryptionSetId?: string }) {
    const armId = await double.seedDisk({
      subscriptionId: sub,
      resourceGroup: diskGroup,
      name,
      location: primary,
      sizeGB: 16,
      osType: 'Windows',
      hyperVGeneration: 'V2',
      ...(encryption ? { encryption } : {}),
    });
    return { kind: 'managedDisk', armId } satisfies ManagedDiskRef;
  }

  function target(deviceId: string, takenAt: Date, extra: Partial<RestorePointTarget> = {}) {
    return {
      region: backup,
      tenantId,
      deviceId,
      takenAt,
      kind: 'scheduled',
      backupResourceGroups: [backupGroup],
      ...extra,
    } satisfies RestorePointTarget;
  }

  async function untilCopied(snapshot: DiskSnapshot, t: RestorePointTarget) {
    for (let i = 0; i < 200; i++) {
      const status = await store.startCopy(snapshot, t);
      if (status.state !== 'pending') return status;
      double.advance(5 * 60_000);
    }
    throw new Error('copy still pending');
  }

  const copiesOf = (deviceId: string) =>
    double.snapshots().filter((s) => s.createOption === 'CopyStart' && s.tags['clouddr-device'] === deviceId);

  /** Grants and revokes of a snapshot's SAS are the product's only POSTs to ARM. */
  const sasCalls = () =>
    double
      .stats()
      .callsBy.filter((c) => c.method === 'POST')
      .reduce((sum, c) => sum + c.count, 0);

  /**
   * A slot's source snapshot, created: ArmDiskSource only asks for it (start–record–check), and
   * the double's create lasts its `lroMs` (5 s of its time), moved past here.
   */
  async function taken(disk: ManagedDiskRef, slot: SnapshotSlot): Promise<DiskSnapshot> {
    const snapshot = await source.snapshot(primary, disk, slot);
    double.advance(5_000);
    return snapshot;
  }

  beforeAll(async () => {
    double = await startArmDouble({ timeScale: 600 });
    clients = new ComputeClients({ credential: double.credential, ...double.clientOptions() });
    source = new ArmDiskSource(clients, { pollIntervalInMs: fast });
    store = new ManagedDiskRestorePointStore(
      {
        clients,
        catalog: new RestorePointCatalog(azuriteRegionClients()),
        copySlots: slots,
        events: { emit: (event, properties) => void events.push({ event, properties }) },
        readRange: sasRangeReader({ ca: double.ca }),
      },
      // The deployment's default compares no point in a small test; targets say otherwise.
      { pollIntervalInMs: fast, contentSampleEvery: 10_000 },
    );
  });
  afterAll(async () => await double?.close());

  it('encrypts the copy as the snapshot was created, read once its create has succeeded, over the registered facts', async () => {
    // Registered with platform keys; the disk got a customer key since: its snapshot has it.
    const disk = await seed('cmk-facts-os', { type: cmk, diskEncryptionSetId: sourceSet });
    const takenAt = new Date('2026-05-01T10:00:00Z');
    const snapshot = await taken(disk, { tenantId, deviceId: 'cmk-facts', takenAt });
    // ArmDiskSource only asked for it: its encryption is ARM's to say, once created.
    expect(snapshot.encryption).toBeUndefined();
    const registered = { type: 'EncryptionAtRestWithPlatformKey' };
    const t = target('cmk-facts', takenAt, {
      diskEncryption: registered,
      backupDiskEncryptionSets: [backupSet],
    });
    const held = slots.inFlight({ subscriptionId: sub, targetRegion: backup });
    expect(await store.startCopy(snapshot, t)).toEqual({ state: 'pending' });
    const [view] = copiesOf('cmk-facts');
    const copy = await clients.for(sub).snapshots.get(view!.resourceGroup, view!.name);
    expect(copy.encryption).toEqual({ type: cmk, diskEncryptionSetId: backupSet });

    // Without a set in the backup subscription it is refused once the snapshot says so, and the
    // CopyStart slot taken meanwhile goes back.
    const refusedAt = new Date('2026-05-01T10:30:00Z');
    const second = await taken(disk, { tenantId, deviceId: 'cmk-facts-2', takenAt: refusedAt });
    expect(
      await store.startCopy(second, target('cmk-facts-2', refusedAt, { diskEncryption: registered })),
    ).toMatchObject({ state: 'failed', reason: expect.stringContaining('customer-managed key') });
    expect(copiesOf('cmk-facts-2')).toEqual([]);
    expect(slots.inFlight({ subscriptionId: sub, targetRegion: backup })).toBe(held + 1);
    await store.remove(backup, (await store.list(backup, tenantId, 'cmk-facts'))[0]!.name);
    expect(slots.inFlight({ subscriptionId: sub, targetRegion: backup })).toBe(held);
  });

  it('refuses to copy a customer-managed-key disk without a disk encryption set in the copy’s subscription, starting nothing', async () => {
    const disk = await seed('cmk-none-os', { type: cmk, diskEncryptionSetId: sourceSet });
    const takenAt = new Date('2026-05-01T11:00:00Z');
    const snapshot = await taken(disk, { tenantId, deviceId: 'cmk-none', takenAt });
    const callsBefore = double.stats().totalCalls;
    for (const sets of [[], [des(otherSub, 'des-elsewhere')]]) {
      // The worker passes the disk's encryption as registered: the decision needs no ARM call.
      const status = await store.startCopy(
        snapshot,
        target('cmk-none', takenAt, {
          backupDiskEncryptionSets: sets,
          diskEncryption: { type: cmk, diskEncryptionSetId: sourceSet },
        }),
      );
      expect(status).toMatchObject({
        state: 'failed',
        reason: expect.stringContaining('customer-managed key'),
      });
    }
    // Refused before ARM and before a CopyStart slot: no copy in any form, nothing recorded.
    expect(double.stats().totalCalls).toBe(callsBefore);
    expect(copiesOf('cmk-none')).toEqual([]);
    expect(slots.inFlight({ subscriptionId: sub, targetRegion: backup })).toBe(0);
    expect(await store.list(backup, tenantId, 'cmk-none')).toEqual([]);
    expect(events).toContainEqual({
      event: 'restore-point.encryption-set-missing',
      properties: expect.objectContaining({ deviceId: 'cmk-none', reason: expect.stringContaining(sub) }),
    });
  });

  it('refuses from the recorded facts when the snapshot says nothing of its encryption', async () => {
    const disk = await seed('cmk-facts-only-os', { type: cmk, diskEncryptionSetId: sourceSet });
    const takenAt = new Date('2026-05-01T11:30:00Z');
    const recorded = await taken(disk, { tenantId, deviceId: 'cmk-old', takenAt });
    // A snapshot recorded before snapshots carried their encryption.
    const { encryption: _encryption, ...snapshot } = recorded;
    const status = await store.startCopy(
      snapshot,
      target('cmk-old', takenAt, { diskEncryption: { type: cmk, diskEncryptionSetId: sourceSet } }),
    );
    expect(status).toMatchObject({ state: 'failed' });
    expect(copiesOf('cmk-old')).toEqual([]);
  });

  it('copies it with the set of its backup group’s subscription, and starts a vanished copy again with the same set', async () => {
    const disk = await seed('cmk-ok-os', { type: cmk, diskEncryptionSetId: sourceSet });
    const takenAt = new Date('2026-05-01T12:00:00Z');
    const snapshot = await taken(disk, { tenantId, deviceId: 'cmk-ok', takenAt });
    const t = target('cmk-ok', takenAt, {
      backupDiskEncryptionSets: [des(otherSub, 'des-elsewhere'), backupSet],
    });
    expect(await store.startCopy(snapshot, t)).toEqual({ state: 'pending' });
    const [first] = copiesOf('cmk-ok');
    const copy = await clients.for(sub).snapshots.get(first!.resourceGroup, first!.name);
    expect(copy.encryption).toEqual({ type: cmk, diskEncryptionSetId: backupSet });

    // The target disappears (deleted by hand) while its record stays: the next check starts it
    // again, and the double (which refuses a customer-key copy without a set) accepts it.
    await clients.for(sub).snapshots.delete(first!.resourceGroup, first!.name, { updateIntervalInMs: fast });
    expect(await store.checkCopy(t)).toEqual({ state: 'pending' });
    const again = copiesOf('cmk-ok').filter((c) => !c.deleted);
    expect(again).toHaveLength(1);
    const restarted = await clients.for(sub).snapshots.get(again[0]!.resourceGroup, again[0]!.name);
    expect(restarted.encryption).toEqual({ type: cmk, diskEncryptionSetId: backupSet });

    expect(await untilCopied(snapshot, t)).toEqual({ state: 'copied' });
    expect((await store.verify(snapshot, t)).ok).toBe(true);
  });

  it('copies a platform-key disk without naming any disk encryption set', async () => {
    const disk = await seed('pmk-os');
    const takenAt = new Date('2026-05-01T13:00:00Z');
    const snapshot = await taken(disk, { tenantId, deviceId: 'pmk', takenAt });
    expect(await store.startCopy(snapshot, target('pmk', takenAt))).toEqual({ state: 'pending' });
    const [view] = copiesOf('pmk');
    const copy = await clients.for(sub).snapshots.get(view!.resourceGroup, view!.name);
    expect(copy.encryption?.diskEncryptionSetId).toBeUndefined();
    expect(copy.encryption?.type).toBe('EncryptionAtRestWithPlatformKey');
  });

  it('compares content at the target’s rate: every point at 1, none at 10,000 (the grants and revokes counted)', async () => {
    const disk = await seed('rate-os');
    const device = 'rate';
    // Slots the rare 1-in-10,000 sample does not pick, so "none" is certain, not likely.
    const slotsToTry = Array.from({ length: 50 }, (_, i) => new Date(Date.UTC(2026, 4, 2, i)));
    const unsampled = slotsToTry.filter((t) => !contentSampled(tenantId, device, t, 10_000)).slice(0, 4);
    expect(unsampled).toHaveLength(4);
    const counts: number[] = [];
    for (const [i, takenAt] of unsampled.entries()) {
      double.writeToDisk(disk.armId, 1);
      const snapshot = await taken(disk, { tenantId, deviceId: device, takenAt });
      const t = target(device, takenAt, { contentSampleEvery: i < 2 ? 1 : 10_000 });
      expect(await untilCopied(snapshot, t)).toEqual({ state: 'copied' });
      const before = sasCalls();
      const verdict = await store.verify(snapshot, t);
      expect(verdict.ok).toBe(true);
      counts.push(sasCalls() - before);
      await store.markVerified(t, (verdict as { hash: string }).hash);
    }
    // Two grants and two revokes (source and copy) per compared point; none otherwise.
    expect(counts).toEqual([4, 4, 0, 0]);
  });
});
