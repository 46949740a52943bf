import { restorePoller } from '@azure/arm-compute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeClient, rawRequest } from './armTestClient';
import { startArmDouble, type ArmDouble } from './startArmDouble';

const SUB = '00000000-0000-0000-0000-0000000000a1';
const RG = 'rg-primary';
const FAST = { updateIntervalInMs: 10 };

describe('ARM double: long-running operations through the real @azure/arm-compute client', () => {
  let double: ArmDouble;
  let diskId: string;

  beforeAll(async () => {
    double = await startArmDouble({ timeScale: 600 });
    diskId = await double.seedDisk({
      subscriptionId: SUB,
      resourceGroup: RG,
      name: 'pc-1-os',
      location: 'westeurope',
      sizeGB: 128,
      zone: '2',
      osType: 'Windows',
      hyperVGeneration: 'V2',
      securityType: 'TrustedLaunch',
      diskControllerTypes: 'SCSI, NVMe',
      vm: { name: 'pc-1', size: 'Standard_D4s_v5' },
    });
  });
  afterAll(async () => await double.close());

  it('serves a seeded disk and its VM, each naming the other', async () => {
    const client = computeClient(double, SUB);
    const disk = await client.disks.get(RG, 'pc-1-os');
    expect(disk.id).toBe(diskId);
    expect(disk).toMatchObject({ diskSizeGB: 128, osType: 'Windows', hyperVGeneration: 'V2', zones: ['2'] });
    expect(disk.securityProfile?.securityType).toBe('TrustedLaunch');
    expect(disk.supportedCapabilities?.diskControllerTypes).toBe('SCSI, NVMe');
    const vm = await client.virtualMachines.get(RG, 'pc-1');
    expect(disk.managedBy).toBe(vm.id);
    expect(vm.storageProfile?.osDisk?.managedDisk?.id).toBe(diskId);
    expect(vm.hardwareProfile?.vmSize).toBe('Standard_D4s_v5');
    const listed = [];
    for await (const d of client.disks.listByResourceGroup(RG)) listed.push(d.name);
    expect(listed).toEqual(['pc-1-os']);
  });

  it('creates an incremental snapshot of the disk through the SDK poller (202 + Azure-AsyncOperation)', async () => {
    const client = computeClient(double, SUB);
    const poller = client.snapshots.createOrUpdate(
      RG,
      'pc-1-snap-1',
      {
        location: 'westeurope',
        incremental: true,
        creationData: { createOption: 'Copy', sourceResourceId: diskId },
        tags: { device: 'pc-1', slot: '1' },
      },
      FAST,
    );
    let initialStatus = 0;
    let asyncOperation: string | null = null;
    const snapshot = await client.snapshots.createOrUpdate(
      RG,
      'pc-1-snap-2',
      {
        location: 'westeurope',
        incremental: true,
        creationData: { createOption: 'Copy', sourceResourceId: diskId },
      },
      {
        ...FAST,
        onResponse: (r) => {
          if (r.request.method === 'PUT') {
            initialStatus = r.status;
            asyncOperation = r.headers.get('azure-asyncoperation') ?? null;
          }
        },
      },
    );
    const first = await poller;
    expect(first.provisioningState).toBe('Succeeded');
    expect(first.incremental).toBe(true);
    expect(first.creationData?.sourceResourceId).toBe(diskId);
    expect(first.tags).toEqual({ device: 'pc-1', slot: '1' });
    expect(initialStatus).toBe(202);
    expect(asyncOperation).toMatch(
      /\/providers\/Microsoft\.Compute\/locations\/westeurope\/DiskOperations\//,
    );
    expect(snapshot.provisioningState).toBe('Succeeded');
    const views = double.snapshots().filter((s) => s.diskId === diskId);
    expect(views.map((s) => s.name)).toEqual(['pc-1-snap-1', 'pc-1-snap-2']);
  });

  it('repeats an identical PUT as the same snapshot (one resource, no new rate-window entry)', async () => {
    const client = computeClient(double, SUB);
    const body = {
      location: 'westeurope',
      incremental: true,
      creationData: { createOption: 'Copy', sourceResourceId: diskId },
    } as const;
    await client.snapshots.createOrUpdate(RG, 'pc-1-snap-1', { ...body, tags: { again: 'yes' } }, FAST);
    expect(double.snapshots().filter((s) => s.name === 'pc-1-snap-1')).toHaveLength(1);
    const error = await client.snapshots
      .createOrUpdate(
        RG,
        'pc-1-snap-1',
        { location: 'northeurope', creationData: { createOption: 'CopyStart', sourceResourceId: diskId } },
        FAST,
      )
      .pollUntilDone()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 409, code: 'PropertyChangeNotAllowed' });
  });

  it('resumes a poller from its serialized state on a fresh client without sending the PUT again', async () => {
    const first = computeClient(double, SUB);
    const poller = first.snapshots.createOrUpdate(
      RG,
      'pc-1-snap-resumed',
      {
        location: 'westeurope',
        incremental: true,
        creationData: { createOption: 'Copy', sourceResourceId: diskId },
      },
      FAST,
    );
    await poller.submitted();
    const state = await poller.serialize();
    const putsBefore = double
      .stats()
      .callsBy.filter((c) => c.method === 'PUT')
      .reduce((n, c) => n + c.count, 0);

    const second = computeClient(double, SUB);
    const resumed = restorePoller(second, state, second.snapshots.createOrUpdate, FAST);
    const snapshot = await resumed.pollUntilDone();
    expect(snapshot.name).toBe('pc-1-snap-resumed');
    expect(snapshot.provisioningState).toBe('Succeeded');
    const putsAfter = double
      .stats()
      .callsBy.filter((c) => c.method === 'PUT')
      .reduce((n, c) => n + c.count, 0);
    expect(putsAfter).toBe(putsBefore);
  });

  it('deletes a snapshot through the poller; a later GET is 404 ResourceNotFound', async () => {
    const client = computeClient(double, SUB);
    await client.snapshots.delete(RG, 'pc-1-snap-resumed', FAST).pollUntilDone();
    const error = await client.snapshots.get(RG, 'pc-1-snap-resumed').catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    const listed = [];
    for await (const s of client.snapshots.listByResourceGroup(RG)) listed.push(s.name);
    expect(listed).not.toContain('pc-1-snap-resumed');
  });

  it('answers every authenticated call with the remaining-count headers for its operation kind', async () => {
    const client = computeClient(double, SUB);
    const seen: Record<string, string | undefined>[] = [];
    const grab = {
      onResponse: (r: { request: { method: string }; headers: { get(name: string): string | undefined } }) =>
        seen.push({
          method: r.request.method,
          reads: r.headers.get('x-ms-ratelimit-remaining-subscription-reads'),
          globalReads: r.headers.get('x-ms-ratelimit-remaining-subscription-global-reads'),
          writes: r.headers.get('x-ms-ratelimit-remaining-subscription-writes'),
          deletes: r.headers.get('x-ms-ratelimit-remaining-subscription-deletes'),
        }),
    };
    await client.snapshots.get(RG, 'pc-1-snap-1', grab);
    await client.snapshots.createOrUpdate(
      RG,
      'pc-1-snap-h',
      {
        location: 'westeurope',
        incremental: true,
        creationData: { createOption: 'Copy', sourceResourceId: diskId },
      },
      { ...FAST, ...grab },
    );
    await client.snapshots.delete(RG, 'pc-1-snap-h', { ...FAST, ...grab });
    const get = seen.find((s) => s.method === 'GET');
    expect(Number(get?.reads)).toBeGreaterThan(0);
    expect(Number(get?.globalReads)).toBeGreaterThan(Number(get?.reads));
    expect(Number(seen.find((s) => s.method === 'PUT')?.writes)).toBeGreaterThan(0);
    expect(Number(seen.find((s) => s.method === 'DELETE')?.deletes)).toBeGreaterThan(0);
  });

  it('refuses a call without a bearer token, or with a token it did not issue, with 401', async () => {
    const path = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/disks/pc-1-os?api-version=2026-03-02`;
    const missing = await rawRequest(double, 'GET', path);
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.body)).toEqual({
      error: { code: 'AuthenticationFailed', message: expect.any(String) },
    });
    const forged = await rawRequest(double, 'GET', path, {
      authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJvaWQiOiJ4In0.c2ln',
    });
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.body).error.code).toBe('InvalidAuthenticationToken');
    const token =
      (await double.credentialFor('someone-else').getToken('https://management.azure.com/.default'))?.token ??
      '';
    const good = await rawRequest(double, 'GET', path, { authorization: `Bearer ${token}` });
    expect(good.status).toBe(200);
    expect(double.stats().unauthenticated).toBe(2);
  });
});
