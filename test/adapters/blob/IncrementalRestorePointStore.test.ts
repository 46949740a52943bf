import type { BlobServiceClient, PageBlobClient } from '@azure/storage-blob';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { copyPagesFromUrl } from '../../../src/adapters/blob/copyPagesFromUrl';
import {
  IncrementalRestorePointStore,
  restoreBasesContainerName,
  type IncrementalRestorePointStoreOptions,
} from '../../../src/adapters/blob/IncrementalRestorePointStore';
import { readPageDiff } from '../../../src/adapters/blob/readPageDiff';
import { restorePointsContainerName } from '../../../src/adapters/blob/RestorePointCatalog';
import { restorePointName } from '../../../src/adapters/blob/restorePointName';
import { PointerMetadata } from '../../../src/adapters/blob/restorePointPointer';
import type { DiskSnapshot } from '../../../src/domain/disk';
import { NotFoundError } from '../../../src/domain/errors';
import type { RestorePoint } from '../../../src/domain/restorePoint';
import type { CopyStatus, RestorePointTarget } from '../../../src/ports/RestorePointStore';
import { contentDiff, recordingCopier } from './azuriteIncremental';
import {
  azuriteRegionClients,
  backup,
  createDisk,
  patternBytes,
  readUrlOf,
  primary,
  snapshotOf,
  unreachableClient,
  uniqueId,
  type TestDisk,
} from './azuriteRegions';

const KiB = 1024;

/** The tenant of the points these tests make, unless a test names another. */
const tenantId = randomUUID();

describe('IncrementalRestorePointStore', () => {
  let clients: Map<string, BlobServiceClient>;
  beforeAll(() => {
    clients = azuriteRegionClients();
  });

  function storeWith(
    options: IncrementalRestorePointStoreOptions = {},
    corrupt?: Parameters<typeof recordingCopier>[0],
  ) {
    const { copier, copied } = recordingCopier(corrupt);
    return {
      store: new IncrementalRestorePointStore(clients, {
        readDiff: contentDiff,
        copyPages: copier,
        ...options,
      }),
      copied,
    };
  }
  type Store = IncrementalRestorePointStore;

  const target = (deviceId: string, takenAt: string, tenant: string = tenantId): RestorePointTarget => ({
    region: backup,
    tenantId: tenant,
    deviceId,
    takenAt: new Date(takenAt),
    kind: 'scheduled',
  });
  const pointer = (t: RestorePointTarget) =>
    clients
      .get(backup)!
      .getContainerClient(restorePointsContainerName)
      .getBlobClient(restorePointName(t.tenantId, t.deviceId, t.takenAt));
  /** A device's base blob: `{tenantId}/{deviceId}`, scoped by tenant like its points. */
  const base = (deviceId: string, tenant: string = tenantId): PageBlobClient =>
    clients
      .get(backup)!
      .getContainerClient(restoreBasesContainerName)
      .getPageBlobClient(`${tenant}/${deviceId}`);

  /** 256 KiB with data at the start, in the middle and at the end. */
  async function protectedDisk(seed: string): Promise<TestDisk> {
    return await createDisk(clients, 256 * KiB, [
      { offset: 0, bytes: patternBytes(`${seed}:a`, 16 * KiB) },
      { offset: 100 * KiB, bytes: patternBytes(`${seed}:b`, 8 * KiB) },
      { offset: 252 * KiB, bytes: patternBytes(`${seed}:c`, 4 * KiB) },
    ]);
  }

  /** Writes 8 KiB into a hole, overwrites 4 KiB of data and clears the last 4 KiB. */
  async function change(disk: TestDisk, seed: string): Promise<void> {
    await disk.blob.uploadPages(patternBytes(`${seed}:new`, 8 * KiB), 40 * KiB, 8 * KiB);
    await disk.blob.uploadPages(patternBytes(`${seed}:over`, 4 * KiB), 100 * KiB, 4 * KiB);
    await disk.blob.clearPages(252 * KiB, 4 * KiB);
  }

  async function settled(
    store: Store,
    t: RestorePointTarget,
    status: CopyStatus,
  ): Promise<{ status: CopyStatus; checks: number }> {
    let current = status;
    let checks = 0;
    for (; checks < 100 && current.state === 'pending'; checks++) current = await store.checkCopy(t);
    return { status: current, checks };
  }

  async function copy(store: Store, snapshot: DiskSnapshot, t: RestorePointTarget): Promise<void> {
    expect((await settled(store, t, await store.startCopy(snapshot, t))).status).toEqual({ state: 'copied' });
  }

  async function verified(
    store: Store,
    snapshot: DiskSnapshot,
    t: RestorePointTarget,
  ): Promise<RestorePoint> {
    const result = await store.verify(snapshot, t);
    expect(result).toMatchObject({ ok: true });
    return await store.markVerified(t, result.ok ? result.hash : '');
  }

  it('copies every valid page for the first point, then only what changed, each point verifying against its own snapshot', async () => {
    const { store, copied } = storeWith();
    const disk = await protectedDisk('incr');
    const deviceId = uniqueId('pc');
    const first = await snapshotOf(disk);
    const t1 = target(deviceId, '2025-06-01T08:00:00Z');
    await copy(store, first, t1);
    expect(copied).toEqual([
      { offset: 0, count: 16 * KiB },
      { offset: 100 * KiB, count: 8 * KiB },
      { offset: 252 * KiB, count: 4 * KiB },
    ]);
    await verified(store, first, t1);
    expect(await store.releaseSource(first, t1)).toEqual([]);

    copied.length = 0;
    await change(disk, 'incr');
    const second = await snapshotOf(disk);
    const t2 = target(deviceId, '2025-06-01T12:00:00Z');
    await copy(store, second, t2);
    // The cleared 4 KiB at the end is cleared in the base, not copied.
    expect(copied).toEqual([
      { offset: 40 * KiB, count: 8 * KiB },
      { offset: 100 * KiB, count: 4 * KiB },
    ]);
    const point2 = await verified(store, second, t2);
    // The older point still holds the older content.
    expect(await store.verify(first, t1)).toMatchObject({ ok: true });
    expect((await store.verify(second, t1)).ok).toBe(false);

    // The new snapshot stays as the base of the next diff; the one before it is released.
    expect(await store.releaseSource(second, t2)).toEqual([first]);
    expect((await store.list(backup, tenantId, deviceId)).map((p) => p.name)).toEqual([
      point2.name,
      restorePointName(tenantId, deviceId, t1.takenAt),
    ]);
  });

  it('keeps each point as a zero-length pointer naming its base snapshot, listed like a full copy with the primary unreachable', async () => {
    const { store } = storeWith();
    const disk = await protectedDisk('pointer');
    const deviceId = uniqueId('pc');
    const snapshot = await snapshotOf(disk);
    const t = target(deviceId, '2025-06-02T08:00:00Z');
    await copy(store, snapshot, t);
    const point = await verified(store, snapshot, t);

    const properties = await pointer(t).getProperties();
    expect(properties.contentLength).toBe(0);
    const baseSnapshot = properties.metadata![PointerMetadata.baseSnapshot]!;
    const source = await disk.blob.withSnapshot(snapshot.snapshotId).downloadToBuffer();
    expect((await base(deviceId).withSnapshot(baseSnapshot).downloadToBuffer()).equals(source)).toBe(true);

    const drStore = new IncrementalRestorePointStore(
      new Map([
        [primary, unreachableClient()],
        [backup, clients.get(backup)!],
      ]),
    );
    expect(point).toMatchObject({
      tenantId,
      deviceId,
      region: backup,
      verified: true,
      sizeBytes: 256 * KiB,
      takenAt: '2025-06-02T08:00:00.000Z',
    });
    expect(await drStore.list(backup, tenantId, deviceId)).toEqual([point]);
    expect(await drStore.latestVerified(backup, tenantId, deviceId)).toEqual(point);
    expect(await drStore.latestVerified(backup, randomUUID(), deviceId)).toBeUndefined();
    expect(await drStore.checkCopy(t)).toEqual({ state: 'verified' });
  });

  it('applies a long plan a few operations per call, carried on by checkCopy', async () => {
    const { store, copied } = storeWith({ maxCopyBytes: 4 * KiB, maxOperationsPerCall: 2 });
    const disk = await protectedDisk('budget');
    const snapshot = await snapshotOf(disk);
    const t = target(uniqueId('pc'), '2025-06-03T08:00:00Z');
    const started = await store.startCopy(snapshot, t);
    expect(started).toEqual({ state: 'pending' });
    const { status, checks } = await settled(store, t, started);
    expect(status).toEqual({ state: 'copied' });
    // 28 KiB in 4 KiB requests: 7 copies, 2 per call.
    expect(copied).toHaveLength(7);
    expect(checks).toBe(3);
    await verified(store, snapshot, t);
  });

  it('never overwrites a point: a second start for the same target keeps the first content', async () => {
    const { store, copied } = storeWith();
    const disk = await protectedDisk('once');
    const snapshot = await snapshotOf(disk);
    const t = target(uniqueId('pc'), '2025-06-04T08:00:00Z');
    await copy(store, snapshot, t);
    const copies = copied.length;
    await change(disk, 'once');
    const later = await snapshotOf(disk);

    expect(await store.startCopy(later, t)).toEqual({ state: 'copied' });
    expect(copied).toHaveLength(copies);
    expect(await store.verify(snapshot, t)).toMatchObject({ ok: true });
    expect(await store.verify(later, t)).toEqual({
      ok: false,
      reason: `the point was made from snapshot ${snapshot.snapshotId}, not ${later.snapshotId}`,
    });
  });

  it('never verifies a point whose apply went wrong, and repairs the base with a full sync once it is removed', async () => {
    let corruptOnce = true;
    const { store, copied } = storeWith({}, (range, bytes) => {
      if (range.offset === 40 * KiB && corruptOnce) {
        corruptOnce = false;
        bytes[7] = bytes[7]! ^ 0xff;
      }
    });
    const disk = await protectedDisk('repair');
    const deviceId = uniqueId('pc');
    const first = await snapshotOf(disk);
    const t1 = target(deviceId, '2025-06-05T08:00:00Z');
    await copy(store, first, t1);
    await verified(store, first, t1);

    await change(disk, 'repair');
    const second = await snapshotOf(disk);
    const t2 = target(deviceId, '2025-06-05T12:00:00Z');
    await copy(store, second, t2);
    expect(await store.verify(second, t2)).toEqual({
      ok: false,
      reason: `content differs in bytes 0–${256 * KiB - 1}`,
    });
    expect((await store.latestVerified(backup, tenantId, deviceId))?.takenAt).toBe(
      '2025-06-05T08:00:00.000Z',
    );

    // The failed point is removed and taken again: its base is suspect, so every valid page is copied.
    await store.remove(backup, restorePointName(tenantId, deviceId, t2.takenAt));
    copied.length = 0;
    await copy(store, second, t2);
    expect(copied).toEqual([
      { offset: 0, count: 16 * KiB },
      { offset: 40 * KiB, count: 8 * KiB },
      { offset: 100 * KiB, count: 8 * KiB },
    ]);
    await verified(store, second, t2);
    expect(await store.verify(first, t1)).toMatchObject({ ok: true });
  });

  it('removes a verified point with its base snapshot and keeps diffing from the base for the next point', async () => {
    const { store, copied } = storeWith();
    const disk = await protectedDisk('prune');
    const deviceId = uniqueId('pc');
    const first = await snapshotOf(disk);
    const t1 = target(deviceId, '2025-06-06T08:00:00Z');
    await copy(store, first, t1);
    await verified(store, first, t1);
    const baseSnapshot = (await pointer(t1).getProperties()).metadata![PointerMetadata.baseSnapshot]!;

    await store.remove(backup, restorePointName(tenantId, deviceId, t1.takenAt));
    await store.remove(backup, restorePointName(tenantId, deviceId, t1.takenAt));
    expect(await store.list(backup, tenantId, deviceId)).toEqual([]);
    await expect(base(deviceId).withSnapshot(baseSnapshot).getProperties()).rejects.toMatchObject({
      statusCode: 404,
    });

    copied.length = 0;
    await change(disk, 'prune');
    const second = await snapshotOf(disk);
    const t2 = target(deviceId, '2025-06-06T12:00:00Z');
    await copy(store, second, t2);
    expect(copied).toHaveLength(2);
    await verified(store, second, t2);
  });

  it('gives up an abandoned apply for a newer point, with a full sync', async () => {
    const { store, copied } = storeWith({ maxCopyBytes: 4 * KiB, maxOperationsPerCall: 1 });
    const disk = await protectedDisk('takeover');
    const deviceId = uniqueId('pc');
    const first = await snapshotOf(disk);
    const t1 = target(deviceId, '2025-06-07T08:00:00Z');
    expect(await store.startCopy(first, t1)).toEqual({ state: 'pending' });

    await change(disk, 'takeover');
    const second = await snapshotOf(disk);
    const t2 = target(deviceId, '2025-06-07T12:00:00Z');
    copied.length = 0;
    await copy(store, second, t2);
    expect(copied.reduce((sum, range) => sum + range.count, 0)).toBe(32 * KiB);
    expect(await store.checkCopy(t1)).toMatchObject({ state: 'failed' });
    await verified(store, second, t2);
  });

  it('falls back to a full sync when the previous snapshot is gone', async () => {
    const { store, copied } = storeWith();
    const disk = await protectedDisk('nodiff');
    const deviceId = uniqueId('pc');
    const first = await snapshotOf(disk);
    const t1 = target(deviceId, '2025-06-08T08:00:00Z');
    await copy(store, first, t1);
    await verified(store, first, t1);
    await disk.blob.withSnapshot(first.snapshotId).delete();

    await change(disk, 'nodiff');
    const second = await snapshotOf(disk);
    const t2 = target(deviceId, '2025-06-08T12:00:00Z');
    copied.length = 0;
    await copy(store, second, t2);
    expect(copied).toHaveLength(3);
    await verified(store, second, t2);
  });

  it('stops when another caller changes the base mid-apply, and carries on at the next check', async () => {
    let interfered = false;
    const disk = await protectedDisk('race');
    const deviceId = uniqueId('pc');
    const { store } = storeWith({}, async () => {
      if (interfered) return;
      interfered = true;
      // Another writer touches the base between this caller's read of it and its conditional write.
      const { metadata } = await base(deviceId).getProperties();
      await base(deviceId).setMetadata(metadata);
    });
    const snapshot = await snapshotOf(disk);
    const t = target(deviceId, '2025-06-09T08:00:00Z');
    const status = await store.startCopy(snapshot, t);
    expect(interfered).toBe(true);
    expect(status).toEqual({ state: 'pending' });
    const { status: final } = await settled(store, t, status);
    expect(final).toEqual({ state: 'copied' });
    await verified(store, snapshot, t);
  });

  it('reports a point it never started as failed, and refuses names that are not points', async () => {
    const { store } = storeWith();
    const t = target(uniqueId('pc'), '2025-06-10T08:00:00Z');
    expect(await store.checkCopy(t)).toMatchObject({ state: 'failed' });
    expect(
      await store.verify(
        {
          region: primary,
          disk: { kind: 'pageBlob', container: 'disks', blob: 'x.vhd' },
          snapshotId: 's',
          sizeBytes: 0,
        },
        t,
      ),
    ).toEqual({
      ok: false,
      reason: `restore point ${restorePointName(t.tenantId, t.deviceId, t.takenAt)} does not exist`,
    });
    await expect(store.remove(backup, 'nope')).rejects.toBeInstanceOf(TypeError);
    // The old shape, `{deviceId}/{inverted time}`, says nothing of its tenant: not a point name.
    await expect(store.remove(backup, `${t.deviceId}/0000000000000`)).rejects.toBeInstanceOf(TypeError);
  });

  it('keeps two tenants’ devices of the same id apart: points, base blobs, diffs and pruning', async () => {
    // Device ids are unique within a tenant only: both tenants have a `cpc-0001` in one backup region.
    const { store, copied } = storeWith();
    const deviceId = 'cpc-0001';
    const [a, b] = [randomUUID(), randomUUID()];
    const diskA = await protectedDisk('iso-a');
    const diskB = await protectedDisk('iso-b');
    const bytesOf = (s: DiskSnapshot, disk: TestDisk) =>
      disk.blob.withSnapshot(s.snapshotId).downloadToBuffer();
    const read = async (point: RestorePoint) =>
      Buffer.from(await (await fetch(await store.readUrl(point))).arrayBuffer());
    const every = [
      { offset: 0, count: 16 * KiB },
      { offset: 100 * KiB, count: 8 * KiB },
      { offset: 252 * KiB, count: 4 * KiB },
    ];

    // The first point of each, at the same time: two points, each copied in full into its own base.
    const a1 = await snapshotOf(diskA);
    const ta1 = target(deviceId, '2025-06-11T08:00:00Z', a);
    await copy(store, a1, ta1);
    expect(copied).toEqual(every);
    const pa1 = await verified(store, a1, ta1);
    const b1 = await snapshotOf(diskB);
    const tb1 = target(deviceId, '2025-06-11T08:00:00Z', b);
    copied.length = 0;
    await copy(store, b1, tb1);
    expect(copied).toEqual(every);
    const pb1 = await verified(store, b1, tb1);
    expect(pa1.name).not.toBe(pb1.name);
    expect((await base(deviceId, a).downloadToBuffer()).equals(await bytesOf(a1, diskA))).toBe(true);
    expect((await base(deviceId, b).downloadToBuffer()).equals(await bytesOf(b1, diskB))).toBe(true);

    // The second point of each diffs from its own base only, and releases its own previous snapshot.
    await change(diskA, 'iso-a');
    const a2 = await snapshotOf(diskA);
    const ta2 = target(deviceId, '2025-06-11T12:00:00Z', a);
    copied.length = 0;
    await copy(store, a2, ta2);
    expect(copied).toHaveLength(2);
    const pa2 = await verified(store, a2, ta2);
    expect(await store.releaseSource(a2, ta2)).toEqual([a1]);
    await change(diskB, 'iso-b');
    const b2 = await snapshotOf(diskB);
    const tb2 = target(deviceId, '2025-06-11T12:00:00Z', b);
    copied.length = 0;
    await copy(store, b2, tb2);
    expect(copied).toHaveLength(2);
    const pb2 = await verified(store, b2, tb2);
    expect(await store.releaseSource(b2, tb2)).toEqual([b1]);

    expect(await store.list(backup, a, deviceId)).toEqual([pa2, pa1]);
    expect(await store.list(backup, b, deviceId)).toEqual([pb2, pb1]);
    expect(await store.latestVerified(backup, a, deviceId)).toEqual(pa2);
    expect(await store.latestVerified(backup, b, deviceId)).toEqual(pb2);
    expect((await read(pa2)).equals(await bytesOf(a2, diskA))).toBe(true);
    expect((await read(pb2)).equals(await bytesOf(b2, diskB))).toBe(true);

    // Retention prunes one tenant's older point: its base snapshot goes, the other tenant's stay.
    await store.remove(backup, pa1.name);
    expect(await store.list(backup, a, deviceId)).toEqual([pa2]);
    expect(await store.list(backup, b, deviceId)).toEqual([pb2, pb1]);
    expect(await store.verify(b1, tb1)).toMatchObject({ ok: true });
    expect((await read(pb1)).equals(await bytesOf(b1, diskB))).toBe(true);

    // A point of one tenant removed unverified makes its own base suspect, not the other's.
    await change(diskA, 'iso-a3');
    const a3 = await snapshotOf(diskA);
    const ta3 = target(deviceId, '2025-06-11T16:00:00Z', a);
    await copy(store, a3, ta3);
    await store.remove(backup, restorePointName(a, deviceId, ta3.takenAt));
    await change(diskB, 'iso-b3');
    const b3 = await snapshotOf(diskB);
    const tb3 = target(deviceId, '2025-06-11T16:00:00Z', b);
    copied.length = 0;
    await copy(store, b3, tb3);
    expect(copied).toHaveLength(2);
    await verified(store, b3, tb3);
    const ta4 = target(deviceId, '2025-06-11T20:00:00Z', a);
    copied.length = 0;
    await copy(store, a3, ta4);
    expect(copied).toHaveLength(3);
    await verified(store, a3, ta4);
    expect((await store.list(backup, a, deviceId)).map((p) => p.takenAt)).toEqual([
      '2025-06-11T20:00:00.000Z',
      '2025-06-11T12:00:00.000Z',
    ]);
    expect((await store.list(backup, b, deviceId)).map((p) => p.takenAt)).toEqual([
      '2025-06-11T16:00:00.000Z',
      '2025-06-11T12:00:00.000Z',
      '2025-06-11T08:00:00.000Z',
    ]);
  });

  // Characterisation of the emulator, so that the injected stand-ins above are known to be needed:
  // if Azurite learns these calls, these tests fail and the defaults can be tested directly.
  describe('Azurite 3.35 gaps', () => {
    it('answers Get Page Ranges Diff with every valid range and no cleared ones', async () => {
      const disk = await protectedDisk('gap');
      const first = await snapshotOf(disk);
      await disk.blob.clearPages(252 * KiB, 4 * KiB);
      const second = await snapshotOf(disk);
      const client = disk.blob.withSnapshot(second.snapshotId);
      expect(await readPageDiff(client, first.snapshotId, second.sizeBytes)).toEqual({
        changed: [
          { start: 0, end: 16 * KiB - 1 },
          { start: 100 * KiB, end: 108 * KiB - 1 },
        ],
        cleared: [],
      });
      expect(await contentDiff(client, first.snapshotId, second.sizeBytes)).toEqual({
        changed: [],
        cleared: [{ start: 252 * KiB, end: 256 * KiB - 1 }],
      });
    });

    it('does not implement Put Page From URL', async () => {
      const disk = await protectedDisk('gap2');
      const snapshot = await snapshotOf(disk);
      const url = await readUrlOf(clients, snapshot);
      const container = clients.get(backup)!.getContainerClient('gap-tests');
      await container.createIfNotExists();
      const target = container.getPageBlobClient(uniqueId('t'));
      const { etag } = await target.create(256 * KiB);
      await expect(copyPagesFromUrl(target, url, { offset: 0, count: 512 }, etag!)).rejects.toMatchObject({
        statusCode: 501,
      });
    });
  });
});

describe('IncrementalRestorePointStore.readUrl', () => {
  let clients: Map<string, BlobServiceClient>;
  let store: IncrementalRestorePointStore;
  beforeAll(() => {
    clients = azuriteRegionClients();
    store = new IncrementalRestorePointStore(clients, {
      readDiff: contentDiff,
      copyPages: recordingCopier().copier,
    });
  });

  async function point(disk: TestDisk, deviceId: string, takenAt: string) {
    const snapshot = await snapshotOf(disk);
    const t: RestorePointTarget = {
      region: backup,
      tenantId,
      deviceId,
      takenAt: new Date(takenAt),
      kind: 'scheduled',
    };
    let status = await store.startCopy(snapshot, t);
    for (let i = 0; i < 50 && status.state === 'pending'; i++) status = await store.checkCopy(t);
    expect(status).toEqual({ state: 'copied' });
    const result = await store.verify(snapshot, t);
    const verified = await store.markVerified(t, result.ok ? result.hash : '');
    const bytes = await disk.blob.withSnapshot(snapshot.snapshotId).downloadToBuffer();
    return { point: verified, bytes };
  }

  it('reads, with plain fetch, exactly the point’s bytes though the base has moved on to a later point', async () => {
    const disk = await createDisk(clients, 128 * KiB, [
      { offset: 0, bytes: patternBytes('iread:a', 16 * KiB) },
      { offset: 64 * KiB, bytes: patternBytes('iread:b', 8 * KiB) },
    ]);
    const deviceId = uniqueId('pc');
    const first = await point(disk, deviceId, '2025-07-02T08:00:00Z');
    await disk.blob.uploadPages(patternBytes('iread:later', 8 * KiB), 0, 8 * KiB);
    await disk.blob.clearPages(64 * KiB, 4 * KiB);
    const second = await point(disk, deviceId, '2025-07-02T12:00:00Z');
    // The base blob now holds the second point: a URL of the base itself would read the wrong bytes.
    const base = clients
      .get(backup)!
      .getContainerClient(restoreBasesContainerName)
      .getPageBlobClient(`${tenantId}/${deviceId}`);
    expect((await base.downloadToBuffer()).equals(second.bytes)).toBe(true);
    expect(second.bytes.equals(first.bytes)).toBe(false);

    const before = Date.now();
    const url = await store.readUrl(first.point, 15);
    const params = new URL(url).searchParams;
    expect(params.get('sp')).toBe('r');
    expect(Date.parse(params.get('se')!)).toBeGreaterThanOrEqual(
      Math.floor((before + 15 * 60_000) / 1000) * 1000,
    );
    expect(Date.parse(params.get('se')!)).toBeLessThanOrEqual(Date.now() + 15 * 60_000);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(first.bytes)).toBe(true);
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(403);

    const latest = Buffer.from(await (await fetch(await store.readUrl(second.point))).arrayBuffer());
    expect(latest.equals(second.bytes)).toBe(true);
  });

  it('recovers from the newest verified point, or the kept one, reading its base snapshot’s bytes', async () => {
    const disk = await createDisk(clients, 64 * KiB, [{ offset: 0, bytes: patternBytes('isrc:a', 8 * KiB) }]);
    const deviceId = uniqueId('pc');
    const first = await point(disk, deviceId, '2025-07-04T08:00:00Z');
    await disk.blob.uploadPages(patternBytes('isrc:b', 8 * KiB), 0, 8 * KiB);
    const second = await point(disk, deviceId, '2025-07-04T12:00:00Z');
    const read = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer());

    const latest = await store.recoverySource(backup, tenantId, deviceId);
    expect(latest?.point).toEqual(second.point);
    expect((await read(latest!.url)).equals(second.bytes)).toBe(true);
    const kept = await store.recoverySource(backup, tenantId, deviceId, first.point.name);
    expect(kept?.point).toEqual(first.point);
    expect((await read(kept!.url)).equals(first.bytes)).toBe(true);
    expect(await store.recoverySource(backup, randomUUID(), deviceId)).toBeUndefined();
  });

  it('refuses a removed point instead of handing out a URL that reads nothing', async () => {
    const disk = await createDisk(clients, 64 * KiB, [{ offset: 0, bytes: patternBytes('igone', 8 * KiB) }]);
    const { point: removed } = await point(disk, uniqueId('pc'), '2025-07-03T08:00:00Z');
    await store.remove(backup, removed.name);
    await expect(store.readUrl(removed)).rejects.toBeInstanceOf(NotFoundError);
  });
});
