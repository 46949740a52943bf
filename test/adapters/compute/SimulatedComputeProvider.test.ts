import { ContainerClient, type BlobServiceClient } from '@azure/storage-blob';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { snapshotReadUrl } from '../../../src/adapters/blob/snapshotReadUrl';
import {
  DeviceMetadata,
  SimulatedComputeProvider,
  simulatedComputeContainerName,
  temporaryDevicesContainerName,
  type SimulatedComputeOptions,
} from '../../../src/adapters/compute/SimulatedComputeProvider';
import {
  parseSimulatedComputeSettings,
  simulatedComputeSettings,
} from '../../../src/adapters/compute/simulatedComputeOptions';
import {
  CapacityUnavailableError,
  type TemporaryDevice,
  type TemporaryDeviceRequest,
} from '../../../src/ports/ComputeProvider';
import { azuriteRegionClients, backup, patternBytes, uniqueId } from '../blob/azuriteRegions';

const KiB = 1024;
const sourceContainer = 'simulated-compute-sources';

describe('SimulatedComputeProvider', () => {
  let clients: Map<string, BlobServiceClient>;
  beforeAll(() => {
    clients = azuriteRegionClients();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /**
   * A page blob in the backup region standing for a restore point: its snapshot is the point, and
   * the blob is written again after it, so a copy of the live blob would show.
   */
  async function restorePoint(seed: string): Promise<{ url: string; bytes: Buffer }> {
    const container = clients.get(backup)!.getContainerClient(sourceContainer);
    await container.createIfNotExists();
    const blob = container.getPageBlobClient(uniqueId('point'));
    await blob.create(64 * KiB);
    await blob.uploadPages(patternBytes(`${seed}:a`, 8 * KiB), 0, 8 * KiB);
    await blob.uploadPages(patternBytes(`${seed}:b`, 4 * KiB), 40 * KiB, 4 * KiB);
    const { snapshot } = await blob.createSnapshot();
    await blob.uploadPages(patternBytes(`${seed}:later`, 8 * KiB), 0, 8 * KiB);
    const bytes = await blob.withSnapshot(snapshot!).downloadToBuffer();
    expect(bytes.equals(await blob.downloadToBuffer())).toBe(false);
    const url = await snapshotReadUrl(clients.get(backup)!, {
      container: sourceContainer,
      blob: blob.name,
      snapshotId: snapshot!,
    });
    return { url, bytes };
  }

  let shared: { url: string; bytes: Buffer };
  beforeAll(async () => {
    shared = await restorePoint('shared');
  });

  function request(name = uniqueId('tmp'), sourceUrl = shared.url): TemporaryDeviceRequest {
    return {
      name,
      region: backup,
      image: { kind: 'blobUrl', url: sourceUrl },
      tags: { tenantId: uniqueId('tenant'), activationId: uniqueId('act'), deviceId: uniqueId('pc') },
    };
  }

  const deviceBlob = (name: string, container = temporaryDevicesContainerName) =>
    clients.get(backup)!.getContainerClient(container).getPageBlobClient(name);

  /** A provider with its own containers, for tests that count or list every device of the region. */
  function isolated(options: SimulatedComputeOptions = {}) {
    const containerName = uniqueId('devices');
    const recordsContainerName = uniqueId('records');
    const provider = new SimulatedComputeProvider(clients, {
      containerName,
      recordsContainerName,
      ...options,
    });
    return { provider, containerName, recordsContainerName };
  }

  /** A clock the test moves by hand. */
  function clock(start = '2025-08-01T00:00:00.000Z') {
    let at = new Date(start).getTime();
    return {
      now: () => new Date(at),
      advance: (ms: number) => {
        at += ms;
      },
    };
  }

  it('creates the device as a server-side copy of the restore point: its bytes, not later writes', async () => {
    const time = clock();
    const provider = new SimulatedComputeProvider(clients, { now: time.now });
    const { url, bytes } = await restorePoint('copy');
    const req = request(uniqueId('tmp'), url);

    expect(await provider.ensureTemporaryDevice(req)).toEqual({
      state: 'ready',
      createdAt: '2025-08-01T00:00:00.000Z',
    });
    const data = await deviceBlob(req.name).downloadToBuffer();
    expect(data.length).toBe(64 * KiB);
    expect(data.equals(bytes)).toBe(true);
    expect(await provider.getTemporaryDevice(backup, req.name)).toEqual({
      name: req.name,
      region: backup,
      tags: req.tags,
      status: { state: 'ready', createdAt: '2025-08-01T00:00:00.000Z' },
    });
    expect(await provider.getTemporaryDevice(backup, uniqueId('tmp'))).toBeUndefined();
  });

  it('ensured twice, creates once', async () => {
    const provider = new SimulatedComputeProvider(clients);
    const req = request();
    const first = await provider.ensureTemporaryDevice(req);
    expect(first.state).toBe('ready');
    expect(await provider.ensureTemporaryDevice(req)).toEqual(first);
    expect((await provider.creations(backup)).get(req.name)).toBe(1);
    // One durable marker in the default records container.
    const markers: string[] = [];
    const records = clients.get(backup)!.getContainerClient(simulatedComputeContainerName);
    for await (const item of records.listBlobsFlat({ prefix: `creations/${req.name}/` }))
      markers.push(item.name);
    expect(markers).toHaveLength(1);
  });

  it('of 20 concurrent ensures of one name from as many processes, exactly one creates and all agree', async () => {
    const req = request();
    const providers = Array.from({ length: 20 }, () => new SimulatedComputeProvider(clients));
    const states = await Promise.all(providers.map((p) => p.ensureTemporaryDevice(req)));
    expect(states[0]!.state).toBe('ready');
    for (const state of states) expect(state).toEqual(states[0]);
    expect((await providers[0]!.creations(backup)).get(req.name)).toBe(1);
    expect((await deviceBlob(req.name).downloadToBuffer()).equals(shared.bytes)).toBe(true);
  });

  it('is provisioning until provisioningMs have passed, then ready, without creating again', async () => {
    const time = clock();
    const provider = new SimulatedComputeProvider(clients, {
      now: time.now,
      regions: { [backup]: { provisioningMs: 2000 } },
    });
    const req = request();
    expect(await provider.ensureTemporaryDevice(req)).toEqual({ state: 'provisioning' });
    time.advance(1999);
    expect(await provider.ensureTemporaryDevice(req)).toEqual({ state: 'provisioning' });
    expect((await provider.getTemporaryDevice(backup, req.name))?.status).toEqual({ state: 'provisioning' });
    time.advance(1);
    const ready = { state: 'ready', createdAt: '2025-08-01T00:00:00.000Z' };
    expect((await provider.getTemporaryDevice(backup, req.name))?.status).toEqual(ready);
    expect(await provider.ensureTemporaryDevice(req)).toEqual(ready);
    expect((await provider.creations(backup)).get(req.name)).toBe(1);
  });

  it('with failureRate 1 the device fails, and ensuring it again is a second creation', async () => {
    const provider = new SimulatedComputeProvider(clients, { regions: { [backup]: { failureRate: 1 } } });
    const req = request();
    const failed = await provider.ensureTemporaryDevice(req);
    expect(failed).toEqual({ state: 'failed', reason: expect.stringContaining('simulated') });
    expect((await provider.getTemporaryDevice(backup, req.name))?.status).toEqual(failed);
    expect((await provider.creations(backup)).get(req.name)).toBe(1);

    expect(await provider.ensureTemporaryDevice(req)).toEqual(failed);
    expect((await provider.creations(backup)).get(req.name)).toBe(2);
  });

  it('starts a failed device over once however many ensure it at the same moment', async () => {
    const regions = { [backup]: { failureRate: 1 } };
    const req = request();
    expect((await new SimulatedComputeProvider(clients, { regions }).ensureTemporaryDevice(req)).state).toBe(
      'failed',
    );
    const providers = Array.from({ length: 10 }, () => new SimulatedComputeProvider(clients, { regions }));
    const states = await Promise.all(providers.map((p) => p.ensureTemporaryDevice(req)));
    for (const state of states) expect(state.state).toBe('failed');
    expect((await providers[0]!.creations(backup)).get(req.name)).toBe(2);
  });

  it('decides a failure once, at creation, and shows it when provisioning ends', async () => {
    const time = clock();
    const draws = [0.2, 0.7];
    const random = vi.fn(() => draws.shift()!);
    const provider = new SimulatedComputeProvider(clients, {
      now: time.now,
      random,
      regions: { [backup]: { failureRate: 0.5, provisioningMs: 1000 } },
    });
    const req = request();
    expect(await provider.ensureTemporaryDevice(req)).toEqual({ state: 'provisioning' });
    time.advance(1000);
    expect(await provider.getTemporaryDevice(backup, req.name)).toMatchObject({
      status: { state: 'failed' },
    });
    expect(random).toHaveBeenCalledTimes(1);

    // Started over: the second draw (0.7) does not fail.
    expect(await provider.ensureTemporaryDevice(req)).toEqual({ state: 'provisioning' });
    time.advance(1000);
    expect(await provider.ensureTemporaryDevice(req)).toEqual({
      state: 'ready',
      createdAt: '2025-08-01T00:00:01.000Z',
    });
    expect(random).toHaveBeenCalledTimes(2);
    expect((await provider.creations(backup)).get(req.name)).toBe(2);
  });

  it('with capacity 2 refuses a third device until one is deleted', async () => {
    const { provider } = isolated({ regions: { [backup]: { capacity: 2 } } });
    const [a, b, c] = [request(), request(), request()];
    await provider.ensureTemporaryDevice(a);
    await provider.ensureTemporaryDevice(b);

    const refused = provider.ensureTemporaryDevice(c);
    await expect(refused).rejects.toBeInstanceOf(CapacityUnavailableError);
    await expect(refused).rejects.toMatchObject({ kind: 'no-capacity' });
    // A device that exists is still reported while the region is full.
    expect((await provider.ensureTemporaryDevice(a)).state).toBe('ready');
    expect(await provider.getTemporaryDevice(backup, c.name)).toBeUndefined();
    expect((await provider.creations(backup)).has(c.name)).toBe(false);

    await provider.deleteTemporaryDevice(backup, a.name);
    expect((await provider.ensureTemporaryDevice(c)).state).toBe('ready');
    expect([...(await provider.creations(backup))].sort()).toEqual(
      [
        [a.name, 1],
        [b.name, 1],
        [c.name, 1],
      ].sort(),
    );
  });

  it('with capacity 0 refuses every creation', async () => {
    const { provider } = isolated({ regions: { [backup]: { capacity: 0 } } });
    await expect(provider.ensureTemporaryDevice(request())).rejects.toBeInstanceOf(CapacityUnavailableError);
  });

  it('lists the region’s devices only when a capacity is configured', async () => {
    const list = vi.spyOn(ContainerClient.prototype, 'listBlobsFlat');
    await isolated().provider.ensureTemporaryDevice(request());
    expect(list).not.toHaveBeenCalled();
    await isolated({ regions: { [backup]: { capacity: 5 } } }).provider.ensureTemporaryDevice(request());
    expect(list).toHaveBeenCalledTimes(1);
  });

  it('deletes a device while it is provisioning; deleting a missing one is success', async () => {
    const provider = new SimulatedComputeProvider(clients, {
      regions: { [backup]: { provisioningMs: 3_600_000 } },
    });
    const req = request();
    expect(await provider.ensureTemporaryDevice(req)).toEqual({ state: 'provisioning' });
    await provider.deleteTemporaryDevice(backup, req.name);
    expect(await provider.getTemporaryDevice(backup, req.name)).toBeUndefined();
    expect(await deviceBlob(req.name).exists()).toBe(false);
    await provider.deleteTemporaryDevice(backup, req.name);
    await provider.deleteTemporaryDevice(backup, uniqueId('never'));

    // Ensuring it again after the delete is a new creation.
    expect(await provider.ensureTemporaryDevice(req)).toEqual({ state: 'provisioning' });
    expect((await provider.creations(backup)).get(req.name)).toBe(2);
  });

  it('lists every device of the region with its tags and state', async () => {
    const time = clock();
    const { provider } = isolated({ now: time.now });
    const [a, b] = [request('tmp-a'), request('tmp-b')];
    await provider.ensureTemporaryDevice(a);
    await provider.ensureTemporaryDevice(b);

    const listed: TemporaryDevice[] = [];
    for await (const device of provider.listTemporaryDevices(backup)) listed.push(device);
    const ready = { state: 'ready', createdAt: '2025-08-01T00:00:00.000Z' };
    expect(listed).toEqual([
      { name: 'tmp-a', region: backup, tags: a.tags, status: ready },
      { name: 'tmp-b', region: backup, tags: b.tags, status: ready },
    ]);

    const none: TemporaryDevice[] = [];
    for await (const device of isolated().provider.listTemporaryDevices(backup)) none.push(device);
    expect(none).toEqual([]);
  });

  it('keeps its state in storage: a new instance sees the devices and counts the creations', async () => {
    const time = clock();
    const settings: SimulatedComputeOptions = {
      now: time.now,
      regions: { [backup]: { provisioningMs: 500 } },
    };
    const req = request();
    await new SimulatedComputeProvider(clients, settings).ensureTemporaryDevice(req);

    const restarted = new SimulatedComputeProvider(clients, settings);
    expect((await restarted.creations(backup)).get(req.name)).toBe(1);
    expect(await restarted.getTemporaryDevice(backup, req.name)).toMatchObject({
      tags: req.tags,
      status: { state: 'provisioning' },
    });
    time.advance(500);
    expect(await restarted.ensureTemporaryDevice(req)).toEqual({
      state: 'ready',
      createdAt: '2025-08-01T00:00:00.000Z',
    });
    expect((await restarted.creations(backup)).get(req.name)).toBe(1);
  });

  it('counts a creation whose marker a killed process never wrote, also once the device is deleted', async () => {
    const { provider, containerName, recordsContainerName } = isolated();
    const req = request();
    await provider.ensureTemporaryDevice(req);
    const { metadata } = await deviceBlob(req.name, containerName).getProperties();
    const marker = clients
      .get(backup)!
      .getContainerClient(recordsContainerName)
      .getBlobClient(`creations/${req.name}/${metadata![DeviceMetadata.creationId]}`);
    await marker.delete();

    expect((await provider.creations(backup)).get(req.name)).toBe(1);
    await provider.deleteTemporaryDevice(backup, req.name);
    expect(await marker.exists()).toBe(true);
    expect((await provider.creations(backup)).get(req.name)).toBe(1);
  });

  it('fails the attempt, creating and counting nothing, when the restore point cannot be read', async () => {
    const { provider } = isolated();
    const missing = new URL(shared.url);
    missing.pathname = `${missing.pathname.replace(/\/[^/]+$/, '')}/${uniqueId('gone')}`;
    const req = request(uniqueId('tmp'), missing.toString());
    await expect(provider.ensureTemporaryDevice(req)).rejects.toThrow();
    expect(await provider.getTemporaryDevice(backup, req.name)).toBeUndefined();
    expect((await provider.creations(backup)).size).toBe(0);
  });

  it('refuses a region without storage and invalid settings', async () => {
    const provider = new SimulatedComputeProvider(clients);
    await expect(provider.ensureTemporaryDevice({ ...request(), region: 'mars' })).rejects.toBeInstanceOf(
      TypeError,
    );
    expect(
      () => new SimulatedComputeProvider(clients, { regions: { [backup]: { failureRate: 2 } } }),
    ).toThrow();
  });
});

describe('simulatedComputeSettings', () => {
  it('parses the setting’s JSON', () => {
    expect(
      parseSimulatedComputeSettings(
        '{"northeurope":{"capacity":100,"provisioningMs":2000,"failureRate":0.01},"westeurope":{}}',
      ),
    ).toEqual({
      northeurope: { capacity: 100, provisioningMs: 2000, failureRate: 0.01 },
      westeurope: {},
    });
    expect(simulatedComputeSettings.parse({})).toEqual({});
    expect(
      simulatedComputeSettings.parse({ x1: { capacity: 0, provisioningMs: 3_600_000, failureRate: 1 } }),
    ).toEqual({ x1: { capacity: 0, provisioningMs: 3_600_000, failureRate: 1 } });
  });

  it.each([
    ['a negative capacity', { northeurope: { capacity: -1 } }],
    ['a fractional capacity', { northeurope: { capacity: 1.5 } }],
    ['a negative provisioning time', { northeurope: { provisioningMs: -1 } }],
    ['a provisioning time over an hour', { northeurope: { provisioningMs: 3_600_001 } }],
    ['a fractional provisioning time', { northeurope: { provisioningMs: 0.5 } }],
    ['a failure rate above 1', { northeurope: { failureRate: 1.01 } }],
    ['a negative failure rate', { northeurope: { failureRate: -0.1 } }],
    ['a field it does not know', { northeurope: { capacty: 3 } }],
    ['a region name that is not one', { 'North Europe': {} }],
    ['a region that is not an object', { northeurope: 5 }],
    ['a capacity given as text', { northeurope: { capacity: '5' } }],
  ])('refuses %s', (_what, value) => {
    expect(simulatedComputeSettings.safeParse(value).success).toBe(false);
  });

  it('refuses text that is not JSON', () => {
    expect(() => parseSimulatedComputeSettings('{northeurope:')).toThrow(SyntaxError);
  });
});
