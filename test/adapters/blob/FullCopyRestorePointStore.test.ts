import type { BlobServiceClient } from '@azure/storage-blob';
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RequestCounter } from '../../../bench/requestCounter';
import {
  FullCopyRestorePointStore,
  readSnapshotMetadata,
} from '../../../src/adapters/blob/FullCopyRestorePointStore';
import { restorePointsContainerName } from '../../../src/adapters/blob/RestorePointCatalog';
import { restorePointName } from '../../../src/adapters/blob/restorePointName';
import { sampleRanges } from '../../../src/adapters/blob/sampleRanges';
import type { DiskSnapshot } from '../../../src/domain/disk';
import type { RestorePoint } from '../../../src/domain/restorePoint';
import { ConflictError, NotFoundError } from '../../../src/domain/errors';
import type { CopyStatus, RestorePointStore, RestorePointTarget } from '../../../src/ports/RestorePointStore';
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

/** The ids of the read snapshots the store took of a point blob. */
async function readSnapshotsOf(clients: Map<string, BlobServiceClient>, name: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const item of clients
    .get(backup)!
    .getContainerClient(restorePointsContainerName)
    .listBlobsFlat({ prefix: name, includeSnapshots: true, includeMetadata: true })) {
    if (item.snapshot && item.metadata?.[readSnapshotMetadata] === 'true') ids.push(item.snapshot);
  }
  return ids;
}

/** Checks until the copy is no longer pending: Azurite finishes copies at once, Azure may not. */
async function settled(
  store: RestorePointStore,
  target: RestorePointTarget,
  status: CopyStatus,
): Promise<CopyStatus> {
  let current = status;
  for (let i = 0; i < 50 && current.state === 'pending'; i++) current = await store.checkCopy(target);
  return current;
}

describe('FullCopyRestorePointStore', () => {
  let clients: Map<string, BlobServiceClient>;
  let store: FullCopyRestorePointStore;
  beforeAll(() => {
    clients = azuriteRegionClients();
    store = new FullCopyRestorePointStore(clients);
  });

  const target = (
    deviceId: string,
    takenAt: string,
    kind: RestorePointTarget['kind'] = 'scheduled',
    tenant: string = tenantId,
  ): RestorePointTarget => ({
    region: backup,
    tenantId: tenant,
    deviceId,
    takenAt: new Date(takenAt),
    kind,
  });
  const pointBlob = (t: RestorePointTarget) =>
    clients
      .get(backup)!
      .getContainerClient(restorePointsContainerName)
      .getPageBlobClient(restorePointName(t.tenantId, t.deviceId, t.takenAt));

  /** A 256 KiB disk with data at the start, in the middle and at the end, and holes between. */
  async function protectedDisk(seed: string): Promise<TestDisk> {
    return await createDisk(clients, 256 * KiB, [
      { offset: 0, bytes: patternBytes(`${seed}:a`, 16 * KiB) },
      { offset: 100 * KiB, bytes: patternBytes(`${seed}:b`, 8 * KiB) },
      { offset: 252 * KiB, bytes: patternBytes(`${seed}:c`, 4 * KiB) },
    ]);
  }

  async function copiedPoint(seed: string, takenAt = '2025-05-01T10:00:00Z') {
    const disk = await protectedDisk(seed);
    const snapshot = await snapshotOf(disk);
    const t = target(uniqueId('pc'), takenAt);
    expect(await settled(store, t, await store.startCopy(snapshot, t))).toEqual({ state: 'copied' });
    return { disk, snapshot, target: t };
  }

  /** Replaces the point with a copy of `tampered`, keeping the metadata the store wrote: a copy that delivered the wrong bytes. */
  async function replaceWithCopyOf(t: RestorePointTarget, tampered: DiskSnapshot): Promise<void> {
    const point = pointBlob(t);
    const { metadata } = await point.getProperties();
    await point.delete();
    await (await point.beginCopyFromURL(await readUrlOf(clients, tampered), { metadata })).pollUntilDone();
  }

  it('copies the snapshot byte for byte into the backup region, unverified until marked', async () => {
    const { disk, snapshot, target: t } = await copiedPoint('exact');
    const source = await disk.blob.withSnapshot(snapshot.snapshotId).downloadToBuffer();
    const copy = await pointBlob(t).downloadToBuffer();
    expect(copy.equals(source)).toBe(true);

    const [listed, ...others] = await store.list(backup, tenantId, t.deviceId);
    expect(others).toEqual([]);
    expect(listed).toEqual({
      tenantId,
      deviceId: t.deviceId,
      name: restorePointName(t.tenantId, t.deviceId, t.takenAt),
      region: backup,
      takenAt: '2025-05-01T10:00:00.000Z',
      kind: 'scheduled',
      verified: false,
      sizeBytes: 256 * KiB,
    });
    expect(await store.latestVerified(backup, tenantId, t.deviceId)).toBeUndefined();

    const result = await store.verify(snapshot, t);
    expect(result).toEqual({ ok: true, hash: createHash('md5').update(source).digest('base64') });
    const point = await store.markVerified(t, result.ok ? result.hash : '');
    expect(point).toMatchObject({ verified: true, hash: createHash('md5').update(source).digest('base64') });
    expect(await store.latestVerified(backup, tenantId, t.deviceId)).toEqual(point);
    // Its read snapshot is taken with the mark, once: a repeated mark finds it.
    const [readSnapshot, ...more] = await readSnapshotsOf(clients, point.name);
    expect(readSnapshot).toBeDefined();
    expect(more).toEqual([]);
    expect(await store.markVerified(t, point.hash!)).toEqual(point);
    expect(await readSnapshotsOf(clients, point.name)).toEqual([readSnapshot]);
    expect(await store.checkCopy(t)).toEqual({ state: 'verified' });
    expect(await store.startCopy(snapshot, t)).toEqual({ state: 'verified' });
    expect(await store.releaseSource(snapshot, t)).toEqual([snapshot]);
  });

  it('beyond 4 MiB compares and hashes sampled ranges, and finds a difference inside one', async () => {
    const MiB = 1024 * KiB;
    const disk = await createDisk(clients, 16 * MiB, [
      { offset: 0, bytes: patternBytes('big:boot', 64 * KiB) },
      { offset: 5 * MiB, bytes: patternBytes('big:data', 2 * MiB) },
      { offset: 16 * MiB - 4 * KiB, bytes: patternBytes('big:footer', 4 * KiB) },
    ]);
    const snapshot = await snapshotOf(disk);
    const t = target(uniqueId('pc'), '2025-05-03T00:00:00Z');
    await settled(store, t, await store.startCopy(snapshot, t));

    const samples = sampleRanges(16 * MiB, [
      { start: 0, end: 64 * KiB - 1 },
      { start: 5 * MiB, end: 7 * MiB - 1 },
      { start: 16 * MiB - 4 * KiB, end: 16 * MiB - 1 },
    ]);
    expect(samples.reduce((sum, s) => sum + s.end - s.start + 1, 0)).toBeLessThan(16 * MiB);
    const hash = createHash('md5');
    for (const sample of samples)
      hash.update(await pointBlob(t).downloadToBuffer(sample.start, sample.end - sample.start + 1));
    expect(await store.verify(snapshot, t)).toEqual({ ok: true, hash: hash.digest('base64') });

    // One byte changed in the middle of the written data, which the samples cover.
    const sampled = samples.find((s) => s.start <= 6 * MiB && s.end >= 6 * MiB)!;
    const page = Buffer.from(
      await disk.blob.withSnapshot(snapshot.snapshotId).downloadToBuffer(6 * MiB, 512),
    );
    page[100] = page[100]! ^ 0xff;
    await disk.blob.uploadPages(page, 6 * MiB, 512);
    await replaceWithCopyOf(t, await snapshotOf(disk));
    expect(await store.verify(snapshot, t)).toEqual({
      ok: false,
      reason: `content differs in bytes ${sampled.start}–${sampled.end}`,
    });
  });

  it('never overwrites a point: a second start for the same target keeps the first content', async () => {
    const { disk, snapshot, target: t } = await copiedPoint('first');
    const first = await disk.blob.withSnapshot(snapshot.snapshotId).downloadToBuffer();
    await disk.blob.uploadPages(patternBytes('changed', 16 * KiB), 0, 16 * KiB);
    const later = await snapshotOf(disk);

    expect(await store.startCopy(later, t)).toEqual({ state: 'copied' });
    expect((await pointBlob(t).downloadToBuffer()).equals(first)).toBe(true);
    expect(await store.verify(later, t)).toEqual({
      ok: false,
      reason: `the point was copied from snapshot ${snapshot.snapshotId}, not ${later.snapshotId}`,
    });
  });

  it('never verifies a copy whose content differs, so never offers it', async () => {
    // Azurite shares a copied page blob's page list with its source, so pages written into the
    // point after the copy would show in the source snapshot too. The wrong bytes are therefore
    // delivered by the copy itself: one 512-byte page differs from the snapshot.
    const { disk, snapshot, target: t } = await copiedPoint('corrupt');
    await disk.blob.uploadPages(Buffer.alloc(512, 0xee), 100 * KiB + 512, 512);
    await replaceWithCopyOf(t, await snapshotOf(disk));

    const result = await store.verify(snapshot, t);
    expect(result).toEqual({ ok: false, reason: `content differs in bytes 0–${256 * KiB - 1}` });
    await expect(
      store.markVerified(t, createHash('md5').update('anything').digest('base64')),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await store.latestVerified(backup, tenantId, t.deviceId)).toBeUndefined();
  });

  it('never verifies a copy whose written pages differ, even when the bytes read the same', async () => {
    const { disk, snapshot, target: t } = await copiedPoint('ranges');
    // Zeros written into a hole: the content is unchanged, the page ranges are not.
    await disk.blob.uploadPages(Buffer.alloc(512), 200 * KiB, 512);
    await replaceWithCopyOf(t, await snapshotOf(disk));

    const result = await store.verify(snapshot, t);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(
      /^page ranges differ: source has 3 ranges \(28672 bytes written\), copy has 4 \(29184 bytes written\); first difference at byte 204800$/,
    );
    expect(await store.latestVerified(backup, tenantId, t.deviceId)).toBeUndefined();
  });

  it('never verifies a truncated copy', async () => {
    const { snapshot, target: t } = await copiedPoint('truncated');
    await pointBlob(t).resize(128 * KiB);

    expect(await store.verify(snapshot, t)).toEqual({
      ok: false,
      reason: `length differs: source ${256 * KiB} bytes, copy ${128 * KiB} bytes`,
    });
    expect(await store.latestVerified(backup, tenantId, t.deviceId)).toBeUndefined();
  });

  it('will not mark a point verified with a result from before it was replaced', async () => {
    const { snapshot, target: t } = await copiedPoint('replaced');
    const result = await store.verify(snapshot, t);
    expect(result.ok).toBe(true);
    await store.remove(backup, restorePointName(t.tenantId, t.deviceId, t.takenAt));
    expect(await settled(store, t, await store.startCopy(snapshot, t))).toEqual({ state: 'copied' });

    await expect(store.markVerified(t, result.ok ? result.hash : '')).rejects.toMatchObject({
      code: 'restore-point-not-checked',
    });
    expect(await store.latestVerified(backup, tenantId, t.deviceId)).toBeUndefined();
  });

  it('lists newest first and finds the latest verified point with the primary region unreachable', async () => {
    const disk = await protectedDisk('dr');
    const deviceId = uniqueId('pc');
    const times = ['2025-05-01T08:00:00Z', '2025-05-01T12:00:00Z', '2025-05-01T16:00:00Z'];
    for (const [i, takenAt] of times.entries()) {
      const snapshot = await snapshotOf(disk);
      const t = target(deviceId, takenAt, i === 0 ? 'manual' : 'scheduled');
      await settled(store, t, await store.startCopy(snapshot, t));
      // The newest stays unverified, as a copy still in flight would.
      if (i < 2) {
        const result = await store.verify(snapshot, t);
        await store.markVerified(t, result.ok ? result.hash : '');
      }
    }
    // A stranger under the device's prefix is not a point.
    const container = clients.get(backup)!.getContainerClient(restorePointsContainerName);
    await container.getBlockBlobClient(`${tenantId}/${deviceId}/junk`).upload('', 0);
    // Nor is a point of the old shape, `{deviceId}/{inverted time}`: it says nothing of its tenant.
    const { metadata } = await container
      .getBlobClient(restorePointName(tenantId, deviceId, new Date(times[1]!)))
      .getProperties();
    await container
      .getBlockBlobClient(`${deviceId}/0000000000000`)
      .upload('', 0, { metadata: { ...metadata, takenat: new Date(9_999_999_999_999).toISOString() } });

    const drStore = new FullCopyRestorePointStore(
      new Map([
        [primary, unreachableClient()],
        [backup, clients.get(backup)!],
      ]),
    );
    const points = await drStore.list(backup, tenantId, deviceId);
    expect(points.map((p) => [p.takenAt, p.kind, p.verified])).toEqual([
      ['2025-05-01T16:00:00.000Z', 'scheduled', false],
      ['2025-05-01T12:00:00.000Z', 'scheduled', true],
      ['2025-05-01T08:00:00.000Z', 'manual', true],
    ]);
    expect(await drStore.latestVerified(backup, tenantId, deviceId)).toEqual(points[1]);
    // The tenant id in either case: names hold it lower-case.
    expect(await drStore.list(backup, tenantId.toUpperCase(), deviceId)).toEqual(points);
    expect(await drStore.checkCopy(target(deviceId, times[2]!))).toEqual({ state: 'copied' });
    expect(await drStore.list(backup, tenantId, uniqueId('nobody'))).toEqual([]);
    expect(await drStore.list(backup, randomUUID(), deviceId)).toEqual([]);
    expect(await drStore.latestVerified(backup, randomUUID(), deviceId)).toBeUndefined();
  });

  it('keeps two tenants’ devices of the same id apart in a backup region they share', async () => {
    // Device ids are unique within a tenant only: both tenants have a `cpc-0001`.
    const deviceId = 'cpc-0001';
    const [a, b] = [randomUUID(), randomUUID()];
    const diskA = await protectedDisk('tenant-a');
    const diskB = await protectedDisk('tenant-b');
    const times = ['2025-05-05T08:00:00Z', '2025-05-05T12:00:00Z', '2025-05-05T16:00:00Z'];

    async function make(disk: TestDisk, tenant: string, takenAt: string, verify = true) {
      const snapshot = await snapshotOf(disk);
      const t = target(deviceId, takenAt, 'scheduled', tenant);
      // The same device and time in the other tenant is another point: never 'verified' already.
      expect(await settled(store, t, await store.startCopy(snapshot, t))).toEqual({ state: 'copied' });
      if (verify) {
        const result = await store.verify(snapshot, t);
        await store.markVerified(t, result.ok ? result.hash : '');
      }
      return await disk.blob.withSnapshot(snapshot.snapshotId).downloadToBuffer();
    }
    const bytesA = await make(diskA, a, times[0]!);
    await make(diskA, a, times[1]!);
    await diskA.blob.uploadPages(patternBytes('tenant-a:later', 16 * KiB), 0, 16 * KiB);
    const latestA = await make(diskA, a, times[2]!);
    const latestB = await make(diskB, b, times[1]!);
    await make(diskB, b, times[2]!, false);
    expect(latestA.equals(latestB)).toBe(false);

    const listedA = await store.list(backup, a, deviceId);
    const listedB = await store.list(backup, b, deviceId);
    expect(listedA.map((p) => [p.tenantId, p.takenAt, p.verified])).toEqual([
      [a, '2025-05-05T16:00:00.000Z', true],
      [a, '2025-05-05T12:00:00.000Z', true],
      [a, '2025-05-05T08:00:00.000Z', true],
    ]);
    expect(listedB.map((p) => [p.tenantId, p.takenAt, p.verified])).toEqual([
      [b, '2025-05-05T16:00:00.000Z', false],
      [b, '2025-05-05T12:00:00.000Z', true],
    ]);
    expect(listedA.every((p) => p.name.startsWith(`${a}/${deviceId}/`))).toBe(true);
    expect(listedB.every((p) => p.name.startsWith(`${b}/${deviceId}/`))).toBe(true);

    // Recovery takes each tenant's own latest verified point, with its own bytes.
    const read = async (point: RestorePoint | undefined) =>
      Buffer.from(await (await fetch(await store.readUrl(point!))).arrayBuffer());
    const pointA = await store.latestVerified(backup, a, deviceId);
    const pointB = await store.latestVerified(backup, b, deviceId);
    expect(pointA).toEqual(listedA[0]);
    expect(pointB).toEqual(listedB[1]);
    expect((await read(pointA)).equals(latestA)).toBe(true);
    expect((await read(pointB)).equals(latestB)).toBe(true);

    // Retention prunes by the names one tenant's listing returns: the other's points stay.
    for (const point of listedA.slice(1)) await store.remove(backup, point.name);
    expect(await store.list(backup, a, deviceId)).toEqual([listedA[0]]);
    expect(await store.list(backup, b, deviceId)).toEqual(listedB);
    for (const point of listedB) await store.remove(backup, point.name);
    expect(await store.list(backup, b, deviceId)).toEqual([]);
    expect(await store.latestVerified(backup, b, deviceId)).toBeUndefined();
    expect(await store.latestVerified(backup, a, deviceId)).toEqual(listedA[0]);
    expect((await read(listedA[0])).equals(latestA)).toBe(true);
    expect(bytesA.equals(latestA)).toBe(false);
  });

  it('reports a copy from a snapshot that no longer exists as failed', async () => {
    const { snapshot } = await copiedPoint('gone');
    const t = target(uniqueId('pc'), '2025-05-02T00:00:00Z');
    const missing = { ...snapshot, snapshotId: '2020-01-01T00:00:00.0000000Z' };
    expect(await store.startCopy(missing, t)).toEqual({
      state: 'failed',
      reason: expect.stringMatching(/^the source snapshot cannot be read: \S/),
    });
    expect(await store.list(backup, tenantId, t.deviceId)).toEqual([]);
  });

  it('removes a point with its snapshots; removing it again is success', async () => {
    const { target: t } = await copiedPoint('remove');
    const name = restorePointName(t.tenantId, t.deviceId, t.takenAt);
    await pointBlob(t).createSnapshot();
    await store.remove(backup, name);
    expect(await store.list(backup, tenantId, t.deviceId)).toEqual([]);
    expect(await store.checkCopy(t)).toEqual({
      state: 'failed',
      reason: `restore point ${name} does not exist`,
    });
    await store.remove(backup, name);
    await expect(store.remove(backup, 'not-a-point')).rejects.toBeInstanceOf(TypeError);
    // A name of the old shape, without its tenant, is not a point name either.
    await expect(store.remove(backup, `${t.deviceId}/0000000000000`)).rejects.toBeInstanceOf(TypeError);
  });

  it('refuses a region it has no storage for', async () => {
    const { snapshot } = await copiedPoint('region');
    await expect(
      store.startCopy(snapshot, { ...target('pc', '2025-05-01T00:00:00Z'), region: 'mars' }),
    ).rejects.toBeInstanceOf(TypeError);
    await expect(
      store.startCopy({ ...snapshot, region: 'mars' }, target('pc', '2025-05-01T00:00:00Z')),
    ).rejects.toBeInstanceOf(TypeError);
  });
});

describe('FullCopyRestorePointStore.readUrl', () => {
  let clients: Map<string, BlobServiceClient>;
  let store: FullCopyRestorePointStore;
  beforeAll(() => {
    clients = azuriteRegionClients();
    store = new FullCopyRestorePointStore(clients);
  });

  async function copied(disk: TestDisk, t: RestorePointTarget) {
    const snapshot = await snapshotOf(disk);
    expect(await settled(store, t, await store.startCopy(snapshot, t))).toEqual({ state: 'copied' });
    const result = await store.verify(snapshot, t);
    const point = await store.markVerified(t, result.ok ? result.hash : '');
    const bytes = await disk.blob.withSnapshot(snapshot.snapshotId).downloadToBuffer();
    return { snapshot, point, bytes };
  }

  const newTarget = (): RestorePointTarget => ({
    region: backup,
    tenantId,
    deviceId: uniqueId('pc'),
    takenAt: new Date('2025-07-01T10:00:00Z'),
    kind: 'scheduled',
  });

  it('reads, with plain fetch, exactly the point’s bytes and not the disk’s later writes, read-only and for the minutes asked', async () => {
    const disk = await createDisk(clients, 256 * KiB, [
      { offset: 0, bytes: patternBytes('read:a', 16 * KiB) },
      { offset: 200 * KiB, bytes: patternBytes('read:b', 8 * KiB) },
    ]);
    const { point, bytes } = await copied(disk, newTarget());
    await disk.blob.uploadPages(patternBytes('read:later', 16 * KiB), 0, 16 * KiB);
    expect((await disk.blob.downloadToBuffer()).equals(bytes)).toBe(false);

    const before = Date.now();
    const url = await store.readUrl(point, 30);
    const after = Date.now();
    const params = new URL(url).searchParams;
    expect(params.get('sp')).toBe('r');
    const expires = Date.parse(params.get('se')!);
    expect(expires).toBeGreaterThanOrEqual(Math.floor((before + 30 * 60_000) / 1000) * 1000);
    expect(expires).toBeLessThanOrEqual(after + 30 * 60_000);

    const response = await fetch(url);
    expect(response.status).toBe(200);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.length).toBe(256 * KiB);
    expect(body.equals(bytes)).toBe(true);
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(403);

    // A second call hands out the same snapshot instead of taking another.
    const again = new URL(await store.readUrl(point)).searchParams;
    expect(again.get('snapshot')).toBe(params.get('snapshot'));
  });

  it('never reads another point’s bytes: once the point is removed and copied again, the old URL reads nothing', async () => {
    const disk = await createDisk(clients, 64 * KiB, [
      { offset: 0, bytes: patternBytes('again:a', 8 * KiB) },
    ]);
    const t = newTarget();
    const first = await copied(disk, t);
    const oldUrl = await store.readUrl(first.point);
    await store.remove(backup, first.point.name);

    await disk.blob.uploadPages(patternBytes('again:b', 8 * KiB), 0, 8 * KiB);
    const second = await copied(disk, t);
    expect(second.bytes.equals(first.bytes)).toBe(false);
    expect((await fetch(oldUrl)).status).toBe(404);
    const body = Buffer.from(await (await fetch(await store.readUrl(second.point))).arrayBuffer());
    expect(body.equals(second.bytes)).toBe(true);
  });

  it('refuses a point that does not exist, and a lifetime that is not positive', async () => {
    const disk = await createDisk(clients, 64 * KiB, [{ offset: 0, bytes: patternBytes('refuse', 4 * KiB) }]);
    const { point } = await copied(disk, newTarget());
    await expect(
      store.readUrl({ ...point, name: restorePointName(tenantId, uniqueId('pc'), new Date()) }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.readUrl(point, 0)).rejects.toBeInstanceOf(RangeError);
  });
});

describe('FullCopyRestorePointStore.recoverySource', () => {
  let clients: Map<string, BlobServiceClient>;
  let store: FullCopyRestorePointStore;
  let counter: RequestCounter;
  beforeAll(() => {
    clients = azuriteRegionClients();
    store = new FullCopyRestorePointStore(clients);
    counter = new RequestCounter(new Map([[inject('emulators').blob, 'blob']]));
  });
  afterAll(() => counter.close());

  /** Three points of one device: two verified (the second newer), and a newer one only copied. */
  async function device() {
    const disk = await createDisk(clients, 64 * KiB, [
      { offset: 0, bytes: patternBytes('source:a', 8 * KiB) },
    ]);
    const deviceId = uniqueId('pc');
    const made = [];
    for (const [i, at] of [
      '2025-08-01T10:00:00Z',
      '2025-08-01T11:00:00Z',
      '2025-08-01T12:00:00Z',
    ].entries()) {
      await disk.blob.uploadPages(patternBytes(`source:${i}`, 8 * KiB), 0, 8 * KiB);
      const snapshot = await snapshotOf(disk);
      const t: RestorePointTarget = {
        region: backup,
        tenantId,
        deviceId,
        takenAt: new Date(at),
        kind: 'scheduled',
      };
      expect(await settled(store, t, await store.startCopy(snapshot, t))).toEqual({ state: 'copied' });
      const bytes = await disk.blob.withSnapshot(snapshot.snapshotId).downloadToBuffer();
      if (i === 2) {
        made.push({ point: (await store.list(backup, tenantId, deviceId))[0]!, bytes });
        continue;
      }
      const result = await store.verify(snapshot, t);
      made.push({ point: await store.markVerified(t, result.ok ? result.hash : ''), bytes });
    }
    return { deviceId, older: made[0]!, newer: made[1]!, unverified: made[2]! };
  }

  async function counted<T>(work: () => Promise<T>): Promise<{ result: T; kinds: Record<string, number> }> {
    counter.begin();
    const result = await work();
    return { result, kinds: counter.end().byKind };
  }

  const snapshotParam = (url: string) => new URL(url).searchParams.get('snapshot');

  it('hands out the newest verified point’s bytes from one listing: its read snapshot was taken when it was verified', async () => {
    const { deviceId, newer, unverified } = await device();
    expect(unverified.point.verified).toBe(false);
    const [readSnapshot] = await readSnapshotsOf(clients, newer.point.name);

    const source = await counted(() => store.recoverySource(backup, tenantId, deviceId));
    expect(source.result?.point).toEqual(newer.point);
    expect(source.kinds).toEqual({ 'blob:list': 1 });
    expect(snapshotParam(source.result!.url)).toBe(readSnapshot);
    const body = Buffer.from(await (await fetch(source.result!.url)).arrayBuffer());
    expect(body.equals(newer.bytes)).toBe(true);
    // The snapshot readUrl hands out for the same point is the same one.
    expect(snapshotParam(await store.readUrl(newer.point))).toBe(readSnapshot);
  });

  it('takes the read snapshot of a point verified without one on its first recovery, then reuses it', async () => {
    const { deviceId, newer } = await device();
    // As a point verified before read snapshots were taken at verification is.
    const points = clients.get(backup)!.getContainerClient(restorePointsContainerName);
    for (const id of await readSnapshotsOf(clients, newer.point.name))
      await points.getBlobClient(newer.point.name).withSnapshot(id).delete();

    const first = await counted(() => store.recoverySource(backup, tenantId, deviceId));
    expect(first.result?.point).toEqual(newer.point);
    expect(first.kinds).toEqual({ 'blob:list': 1, 'blob:snapshot': 1 });
    const body = Buffer.from(await (await fetch(first.result!.url)).arrayBuffer());
    expect(body.equals(newer.bytes)).toBe(true);

    const again = await counted(() => store.recoverySource(backup, tenantId, deviceId));
    expect(again.kinds).toEqual({ 'blob:list': 1 });
    expect(snapshotParam(again.result!.url)).toBe(snapshotParam(first.result!.url));
    expect(await readSnapshotsOf(clients, newer.point.name)).toEqual([snapshotParam(first.result!.url)]);
  });

  it('stays on the kept point while it is verified, else takes the newest verified one', async () => {
    const { deviceId, older, newer, unverified } = await device();
    const kept = await store.recoverySource(backup, tenantId, deviceId, older.point.name);
    expect(kept?.point).toEqual(older.point);
    expect(Buffer.from(await (await fetch(kept!.url)).arrayBuffer()).equals(older.bytes)).toBe(true);

    expect((await store.recoverySource(backup, tenantId, deviceId, unverified.point.name))?.point).toEqual(
      newer.point,
    );
    await store.remove(backup, older.point.name);
    expect((await store.recoverySource(backup, tenantId, deviceId, older.point.name))?.point).toEqual(
      newer.point,
    );
  });

  it('finds nothing for a device without a verified point, nor for another tenant’s device of the same id', async () => {
    const { deviceId, older, newer } = await device();
    expect(await store.recoverySource(backup, randomUUID(), deviceId)).toBeUndefined();
    expect(await store.recoverySource(backup, tenantId, uniqueId('pc'))).toBeUndefined();
    await store.remove(backup, older.point.name);
    await store.remove(backup, newer.point.name);
    expect(await store.recoverySource(backup, tenantId, deviceId)).toBeUndefined();
  });
});
