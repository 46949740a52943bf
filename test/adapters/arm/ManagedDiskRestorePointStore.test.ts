/**
 * The managed-disk path against the local ARM double (real `@azure/arm-compute` client, its
 * serializer and pollers) and Azurite's backup region (the catalogue): describe, incremental
 * snapshot, CopyStart, completionPercent, verification, the catalogue without the primary.
 */
import type { CosmosClient } from '@azure/cosmos';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmDiskSource } from '../../../src/adapters/arm/ArmDiskSource';
import { ComputeClients } from '../../../src/adapters/arm/createComputeClient';
import { ManagedDiskRestorePointStore } from '../../../src/adapters/arm/ManagedDiskRestorePointStore';
import { sasRangeReader } from '../../../src/adapters/arm/readSasRange';
import { RestorePointCatalog } from '../../../src/adapters/blob/RestorePointCatalog';
import { Containers } from '../../../src/adapters/cosmos/containers';
import { CosmosCopySlots } from '../../../src/adapters/cosmos/CosmosCopySlots';
import { CopySlotScheduler } from '../../../src/app/CopySlotScheduler';
import type { DiskSnapshot, ManagedDiskRef } from '../../../src/domain/disk';
import type { CopySlots } from '../../../src/ports/CopySlots';
import type { SnapshotSlot } from '../../../src/ports/DiskSource';
import type { RestorePointTarget } from '../../../src/ports/RestorePointStore';
import { startArmDouble, type ArmDouble } from '../../support/arm/startArmDouble';
import { openCosmosTestDatabase } from '../../support/cosmosTestDatabase';
import { MemoryCopySlots } from '../../support/memoryCopySlots';
import { azuriteRegionClients, backup, primary } from '../blob/azuriteRegions';

const sub = '11111111-2222-4333-8444-555555555555';
const diskGroup = 'rg-desktops';
const backupGroup = `/subscriptions/${sub}/resourceGroups/rg-dr-${backup}`;
const fast = 10;

describe('ManagedDiskRestorePointStore and ArmDiskSource against the ARM double', () => {
  let double: ArmDouble;
  let clients: ComputeClients;
  let source: ArmDiskSource;
  let store: ManagedDiskRestorePointStore;
  let slots: CopySlots;
  let memorySlots: MemoryCopySlots;
  let cosmos: CosmosClient;
  /** The shared slots as production has them: Cosmos DB, granted by the copy-slot timer's use case. */
  let cosmosSlots: { slots: CosmosCopySlots; scheduler: CopySlotScheduler };
  const events: { event: string; properties: Record<string, unknown> }[] = [];
  const tenantId = randomUUID();

  function storeWith(options: ConstructorParameters<typeof ManagedDiskRestorePointStore>[1] = {}) {
    return new ManagedDiskRestorePointStore(
      {
        clients,
        catalog: new RestorePointCatalog(azuriteRegionClients()),
        copySlots: slots,
        events: { emit: (event, properties) => void events.push({ event, properties }) },
        readRange: sasRangeReader({ ca: double.ca }),
      },
      { pollIntervalInMs: fast, contentSampleEvery: 1, ...options },
    );
  }

  async function seed(
    name: string,
    extra: Partial<Parameters<ArmDouble['seedDisk']>[0]> = {},
  ): Promise<ManagedDiskRef> {
    const armId = await double.seedDisk({
      subscriptionId: sub,
      resourceGroup: diskGroup,
      name,
      location: primary,
      sizeGB: 64,
      osType: 'Windows',
      hyperVGeneration: 'V2',
      securityType: 'TrustedLaunch',
      vm: { name: `vm-${name}`, size: 'Standard_D4s_v5', zone: '2' },
      ...extra,
    });
    return { kind: 'managedDisk', armId };
  }

  function target(deviceId: string, takenAt: Date): RestorePointTarget {
    return {
      region: backup,
      tenantId,
      deviceId,
      takenAt,
      kind: 'scheduled',
      backupResourceGroups: [backupGroup],
    };
  }

  /** Advances the double's clock until the copy is no longer pending; returns each status seen. */
  async function untilCopied(snapshot: DiskSnapshot, t: RestorePointTarget, storeUsed = store) {
    const seen: string[] = [];
    for (let i = 0; i < 200; i++) {
      const status = await storeUsed.startCopy(snapshot, t);
      seen.push(status.state);
      if (status.state !== 'pending') return { status, seen };
      double.advance(5 * 60_000);
    }
    throw new Error(`copy still pending: ${seen.join(',')}`);
  }

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
    slots = memorySlots = new MemoryCopySlots(100);
    store = storeWith();
    const opened = await openCosmosTestDatabase('managed-disk-store-slots');
    cosmos = opened.client;
    const wall = { now: () => new Date() };
    const cosmosCopySlots = new CosmosCopySlots(
      opened.database.container(Containers.copySlots.id),
      'westeurope',
      wall,
    );
    cosmosSlots = {
      slots: cosmosCopySlots,
      scheduler: new CopySlotScheduler({
        slots: cosmosCopySlots,
        region: 'westeurope',
        clock: wall,
        events: { emit: () => undefined },
      }),
    };
  });
  afterAll(async () => {
    await double?.close();
    cosmos?.dispose();
  });

  it('describes an OS disk with the facts recovery needs, and a missing disk as undefined', async () => {
    const disk = await seed('pc-facts-os');
    const described = await source.describe(primary, disk);
    expect(described).toMatchObject({
      location: primary,
      managedDisk: {
        osDisk: true,
        sizeGB: 64,
        sizeBytes: 64 * 1024 ** 3,
        osType: 'Windows',
        hyperVGeneration: 'V2',
        securityType: 'TrustedLaunch',
        vm: { size: 'Standard_D4s_v5', zone: '2' },
      },
    });
    expect(
      await source.describe(primary, {
        kind: 'managedDisk',
        armId: disk.armId.replace('pc-facts-os', 'missing'),
      }),
    ).toBeUndefined();
  });

  it('takes one snapshot per slot however often it is asked: the name comes from (tenant, device, slot)', async () => {
    const disk = await seed('pc-once-os');
    const slot = { tenantId, deviceId: 'pc-once', takenAt: new Date('2026-05-01T10:00:00Z') };
    const [a, b] = await Promise.all([
      source.snapshot(primary, disk, slot),
      source.snapshot(primary, disk, slot),
    ]);
    expect(a.snapshotId.toLowerCase()).toBe(b.snapshotId.toLowerCase());
    const mine = double.snapshots().filter((s) => s.tags['clouddr-device'] === 'pc-once' && !s.deleted);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ incremental: true, createOption: 'Copy', location: primary });
    expect(mine[0]!.tags).toEqual({
      'clouddr-tenant': tenantId,
      'clouddr-device': 'pc-once',
      'clouddr-slot': slot.takenAt.toISOString(),
    });
  });

  it('asks for a snapshot without waiting for its create, and starts its copy only once it has succeeded', async () => {
    // A double on real time (scale 1), so the create's 5 s are not over before the test looks.
    const slow = await startArmDouble({ timeScale: 1 });
    try {
      const slowClients = new ComputeClients({ credential: slow.credential, ...slow.clientOptions() });
      const slowSource = new ArmDiskSource(slowClients, { pollIntervalInMs: fast });
      const slowStore = new ManagedDiskRestorePointStore(
        {
          clients: slowClients,
          catalog: new RestorePointCatalog(azuriteRegionClients()),
          copySlots: slots,
          events: { emit: () => undefined },
          readRange: sasRangeReader({ ca: slow.ca }),
        },
        { pollIntervalInMs: fast },
      );
      const armId = await slow.seedDisk({
        subscriptionId: sub,
        resourceGroup: diskGroup,
        name: 'pc-create-os',
        location: primary,
        sizeGB: 32,
        osType: 'Windows',
        hyperVGeneration: 'V2',
      });
      const takenAt = new Date('2026-05-01T09:00:00Z');
      const before = slow.stats().totalCalls;
      const snapshot = await slowSource.snapshot(
        primary,
        { kind: 'managedDisk', armId },
        { tenantId, deviceId: 'pc-create', takenAt },
      );
      // One PUT, no poll of its operation: the create is still running.
      expect(slow.stats().totalCalls - before).toBe(1);
      const [created] = slow.snapshots().filter((s) => s.tags['clouddr-device'] === 'pc-create');
      expect(created!.provisioningState).not.toBe('Succeeded');
      const t = target('pc-create', takenAt);
      expect(await slowStore.startCopy(snapshot, t)).toEqual({ state: 'pending' });
      const copies = () =>
        slow
          .snapshots()
          .filter((s) => s.createOption === 'CopyStart' && s.tags['clouddr-device'] === 'pc-create');
      expect(copies()).toEqual([]);
      expect(await slowStore.list(backup, tenantId, 'pc-create')).toEqual([]);

      slow.advance(5_000);
      expect(await slowStore.startCopy(snapshot, t)).toEqual({ state: 'pending' });
      expect(copies()).toHaveLength(1);
      // The record carries the size ARM created the snapshot with, not the 0 asked with.
      const [point] = await slowStore.list(backup, tenantId, 'pc-create');
      expect(point!.sizeBytes).toBe(32 * 1024 ** 3);
      await slowStore.remove(backup, point!.name);
    } finally {
      await slow.close();
    }
  });

  it('reports a copy pending while completionPercent is below 100, though its LRO has succeeded', async () => {
    const disk = await seed('pc-lro-os');
    const takenAt = new Date('2026-05-01T11:00:00Z');
    const snapshot = await taken(disk, { tenantId, deviceId: 'pc-lro', takenAt });
    const t = target('pc-lro', takenAt);
    expect(await store.startCopy(snapshot, t)).toEqual({ state: 'pending' });
    // Let the LRO end (the double's LRO is short) but not the data: the copy must still be pending.
    double.advance(6_000);
    const copy = double
      .snapshots()
      .find((s) => s.createOption === 'CopyStart' && s.tags['clouddr-device'] === 'pc-lro')!;
    expect(copy.provisioningState).toBe('Succeeded');
    expect(copy.completionPercent).toBeLessThan(100);
    // Pending, with how far the copy's own resource says it is (the worker's next look follows it).
    const pending = await store.checkCopy(t);
    expect(pending).toEqual({
      state: 'pending',
      progress: { percent: expect.any(Number), runningMs: expect.any(Number) },
    });
    const { progress } = pending as { progress: { percent: number; runningMs: number } };
    expect(progress.percent).toBeGreaterThanOrEqual(copy.completionPercent!);
    expect(progress.percent).toBeLessThan(100);
    expect(progress.runningMs).toBeGreaterThanOrEqual(0);
    expect((await store.verify(snapshot, t)).ok).toBe(false);

    const { status } = await untilCopied(snapshot, t);
    expect(status).toEqual({ state: 'copied' });
    const verdict = await store.verify(snapshot, t);
    expect(verdict.ok).toBe(true);
    const point = await store.markVerified(t, (verdict as { hash: string }).hash);
    expect(point).toMatchObject({
      verified: true,
      snapshotArmId: expect.stringContaining(`rg-dr-${backup}`),
    });
    expect(await store.checkCopy(t)).toEqual({ state: 'verified' });
    expect(memorySlots.inFlight({ subscriptionId: sub, targetRegion: backup })).toBe(0);
  });

  it('copies a disk incrementally after the first point, keeps the newest source, and lists points from the catalogue alone', async () => {
    const disk = await seed('pc-chain-os');
    const device = 'pc-chain';
    const times = ['2026-05-02T10:00:00Z', '2026-05-02T11:00:00Z', '2026-05-02T12:00:00Z'].map(
      (t) => new Date(t),
    );
    const released: string[] = [];
    for (const takenAt of times) {
      const snapshot = await taken(disk, { tenantId, deviceId: device, takenAt });
      double.writeToDisk(disk.armId, 1);
      const t = target(device, takenAt);
      await untilCopied(snapshot, t);
      const verdict = await store.verify(snapshot, t);
      expect(verdict.ok, JSON.stringify(verdict)).toBe(true);
      await store.markVerified(t, (verdict as { hash: string }).hash);
      for (const old of await store.releaseSource(snapshot, t)) {
        released.push(old.snapshotId);
        await source.deleteSnapshot(old);
      }
    }
    const copies = double
      .snapshots()
      .filter((s) => s.createOption === 'CopyStart' && s.tags['clouddr-device'] === device);
    // The first copy moved the whole disk; the next ones only what was written since.
    expect(copies.map((c) => c.copyGiB)).toEqual([64, 1, 1]);
    // Each source went only once the copy after it had completed; the newest is kept.
    expect(released).toHaveLength(2);
    const liveSources = double
      .snapshots()
      .filter((s) => s.createOption === 'Copy' && s.tags['clouddr-device'] === device && !s.deleted);
    expect(liveSources).toHaveLength(1);

    // ARM unreachable for the primary region: the points are still listed, from the blob catalogue.
    const dark = double.inject({ unreachableRegion: primary, behaviour: 'reset' });
    try {
      const points = await store.list(backup, tenantId, device);
      expect(points.map((p) => p.verified)).toEqual([true, true, true]);
      const recovery = await store.recoverySource(backup, tenantId, device);
      expect(recovery?.point.takenAt).toBe(times[2]!.toISOString());
      expect(recovery).toMatchObject({ kind: 'managedSnapshot', snapshotId: recovery?.point.snapshotArmId });
    } finally {
      dark();
    }
  });

  it('marks a copy whose sampled content differs unusable, never offering it, and says so', async () => {
    const disk = await seed('pc-corrupt-os');
    const takenAt = new Date('2026-05-03T10:00:00Z');
    const snapshot = await taken(disk, { tenantId, deviceId: 'pc-corrupt', takenAt });
    const stop = double.inject({
      copy: 'corrupt',
      match: { sourceIncludes: snapshot.snapshotId.split('/').pop()! },
    });
    const t = target('pc-corrupt', takenAt);
    try {
      await untilCopied(snapshot, t);
    } finally {
      stop();
    }
    const verdict = await store.verify(snapshot, t);
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringContaining('content differs') });
    expect(
      events.some((e) => e.event === 'restore-point.unusable' && e.properties.deviceId === 'pc-corrupt'),
    ).toBe(true);
    expect((await store.list(backup, tenantId, 'pc-corrupt'))[0]).toMatchObject({ verified: false });
    expect(await store.latestVerified(backup, tenantId, 'pc-corrupt')).toBeUndefined();
    // Every SAS granted for the comparison was revoked: neither snapshot is left exportable.
    const compared = double.snapshots().filter((s) => s.tags['clouddr-device'] === 'pc-corrupt');
    expect(compared).toHaveLength(2);
    for (const view of compared) {
      const read = await clients.for(sub).snapshots.get(view.resourceGroup, view.name);
      expect(read.diskState).not.toBe('ActiveSAS');
    }
  });

  it('reports a disk whose network access policy forbids SAS instead of silently skipping its content check', async () => {
    const disk = await seed('pc-nosas-os', { networkAccessPolicy: 'DenyAll' });
    const takenAt = new Date('2026-05-04T10:00:00Z');
    const snapshot = await taken(disk, { tenantId, deviceId: 'pc-nosas', takenAt });
    const t = target('pc-nosas', takenAt);
    await untilCopied(snapshot, t);
    const verdict = await store.verify(snapshot, t);
    expect(verdict.ok).toBe(true);
    expect(events).toContainEqual({
      event: 'restore-point.content-not-compared',
      properties: expect.objectContaining({ deviceId: 'pc-nosas' }),
    });
  });

  it('never grants more copies than CopyStart slots: a copy without one waits, unstarted', async () => {
    const narrow = new MemoryCopySlots(1);
    const previous = slots;
    slots = narrow;
    const limited = storeWith();
    slots = previous;
    const disks = await Promise.all([seed('pc-slot-a-os'), seed('pc-slot-b-os')]);
    const takenAt = new Date('2026-05-05T10:00:00Z');
    const snaps = await Promise.all(
      disks.map((disk, i) => taken(disk, { tenantId, deviceId: `pc-slot-${i}`, takenAt })),
    );
    expect(await limited.startCopy(snaps[0]!, target('pc-slot-0', takenAt))).toEqual({ state: 'pending' });
    expect(await limited.startCopy(snaps[1]!, target('pc-slot-1', takenAt))).toEqual({ state: 'pending' });
    expect(
      double
        .snapshots()
        .filter((s) => s.createOption === 'CopyStart' && s.tags['clouddr-device']?.startsWith('pc-slot-')),
    ).toHaveLength(1);
    await untilCopied(snaps[0]!, target('pc-slot-0', takenAt), limited);
    // The first copy ended and gave its slot back: the second starts now.
    await untilCopied(snaps[1]!, target('pc-slot-1', takenAt), limited);
    expect(narrow.maxGranted.get(`${sub}|${backup}`)).toBe(1);
  });

  it('judges a copy stuck past its timeout as failed, and remove deletes the copy before its record', async () => {
    const stuckStore = storeWith({ copyTimeoutInMs: 0 });
    const disk = await seed('pc-stuck-os');
    const takenAt = new Date('2026-05-06T10:00:00Z');
    const snapshot = await taken(disk, { tenantId, deviceId: 'pc-stuck', takenAt });
    const stop = double.inject({
      copy: 'stall',
      match: { sourceIncludes: snapshot.snapshotId.split('/').pop()! },
    });
    const t = target('pc-stuck', takenAt);
    try {
      expect(await stuckStore.startCopy(snapshot, t)).toEqual({ state: 'pending' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await stuckStore.checkCopy(t)).toMatchObject({
        state: 'failed',
        reason: expect.stringMatching(/^stuck/),
      });
    } finally {
      stop();
    }
    const [point] = await stuckStore.list(backup, tenantId, 'pc-stuck');
    await stuckStore.remove(backup, point!.name);
    expect(await stuckStore.list(backup, tenantId, 'pc-stuck')).toEqual([]);
    const copy = double
      .snapshots()
      .find((s) => s.createOption === 'CopyStart' && s.tags['clouddr-device'] === 'pc-stuck');
    expect(copy?.deleted).toBe(true);
    expect(memorySlots.inFlight({ subscriptionId: sub, targetRegion: backup })).toBe(0);
  });
  for (const slotsKind of ['memory', 'cosmos'] as const) {
    it(`retries a failed copy within its slot under a new copy id, and it completes (${slotsKind} slots)`, async () => {
      const previous = slots;
      const used = slotsKind === 'memory' ? new MemoryCopySlots(100) : cosmosSlots.slots;
      slots = used;
      const retrying = storeWith();
      slots = previous;
      const grant = async () => {
        if (slotsKind === 'cosmos') await cosmosSlots.scheduler.run();
      };
      const device = `pc-retry-${slotsKind}`;
      const disk = await seed(`${device}-os`);
      const takenAt = new Date('2026-05-07T10:00:00Z');
      const snapshot = await taken(disk, { tenantId, deviceId: device, takenAt });
      const t = target(device, takenAt);
      const stop = double.inject({
        copy: 'fail',
        atPercent: 40,
        errorCode: 'CopyFailed',
        errorMessage: 'injected',
        match: { sourceIncludes: snapshot.snapshotId.split('/').pop()! },
        times: 1,
      });
      /** As the worker drives a slot: start (or check) until it is no longer pending. */
      const settle = async () => {
        for (let i = 0; i < 200; i++) {
          const status = await retrying.startCopy(snapshot, t);
          if (status.state !== 'pending') return status;
          await grant();
          double.advance(5 * 60_000);
        }
        throw new Error('copy still pending');
      };
      try {
        expect(await settle()).toMatchObject({
          state: 'failed',
          reason: expect.stringContaining('CopyFailed'),
        });
      } finally {
        stop();
      }
      // The worker removes a failed copy (its target, its slot, its record), then tries the slot again.
      const [failed] = await retrying.list(backup, tenantId, device);
      await retrying.remove(backup, failed!.name);
      expect(await settle()).toEqual({ state: 'copied' });
      const verdict = await retrying.verify(snapshot, t);
      expect(verdict.ok, JSON.stringify(verdict)).toBe(true);
      await retrying.markVerified(t, (verdict as { hash: string }).hash);
      expect(await retrying.latestVerified(backup, tenantId, device)).toMatchObject({
        takenAt: takenAt.toISOString(),
      });
      // One slot, two copies in creation order: the failed one deleted, the second complete.
      const copies = double
        .snapshots()
        .filter((s) => s.createOption === 'CopyStart' && s.tags['clouddr-device'] === device);
      expect(copies.map((c) => [c.deleted, c.completionPercent])).toEqual([
        [true, expect.any(Number)],
        [false, 100],
      ]);
      expect(copies[1]!.creationOrder).toBeGreaterThan(copies[0]!.creationOrder);
      // Both starts gave their slot back: none is held for this slot any more.
      const key = { subscriptionId: sub, targetRegion: backup };
      if (slotsKind === 'memory') expect((used as MemoryCopySlots).inFlight(key)).toBe(0);
      else {
        const lease = await cosmosSlots.slots.lease(key);
        expect(await cosmosSlots.slots.holders(lease, new Date())).toEqual([]);
      }
    });
  }
});
