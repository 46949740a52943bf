import type { ComputeManagementClient, VirtualMachine } from '@azure/arm-compute';
import type { NetworkManagementClient } from '@azure/arm-network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkClient } from './armNetworkClient';
import { computeClient } from './armTestClient';
import { attachedVmBody, seedSourceSnapshot } from './deviceResources';
import { refusal } from './refusal';
import { startArmDouble, type ArmDouble } from './startArmDouble';

const SUB = '00000000-0000-0000-0000-0000000000d1';
const PRIMARY = 'rg-primary';
const BACKUP = 'rg-backup';
const REGION = 'westeurope';
const FAST = { updateIntervalInMs: 10 };
const SECOND = 1000;
const SUBNET = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-dr/subnets/desktops`;
const id = (type: string, name: string, rg = BACKUP) =>
  `/subscriptions/${SUB}/resourceGroups/${rg}/providers/${type}/${name}`;

describe('ARM double: disks from snapshots, NICs and VMs through the real SDK clients', () => {
  let double: ArmDouble;
  let compute: ComputeManagementClient;
  let network: NetworkManagementClient;

  const seedSource = async (
    name: string,
    extra: {
      hyperVGeneration?: 'V1' | 'V2';
      securityType?: 'TrustedLaunch' | 'Standard';
      diskControllerTypes?: string;
    } = {},
  ) => {
    return await seedSourceSnapshot(
      double,
      compute,
      {
        subscriptionId: SUB,
        resourceGroup: PRIMARY,
        name: `${name}-os`,
        location: REGION,
        sizeGB: 128,
        osType: 'Windows',
        hyperVGeneration: extra.hyperVGeneration ?? 'V2',
        securityType: extra.securityType ?? 'TrustedLaunch',
        ...(extra.diskControllerTypes ? { diskControllerTypes: extra.diskControllerTypes } : {}),
      },
      `${name}-snap`,
    );
  };
  const makeDisk = async (name: string, snapshotId: string, zone = '1') =>
    await compute.disks.createOrUpdate(
      BACKUP,
      `${name}-disk`,
      {
        location: REGION,
        zones: [zone],
        sku: { name: 'Premium_LRS' },
        creationData: { createOption: 'Copy', sourceResourceId: snapshotId },
        tags: { task: name },
      },
      FAST,
    );
  const makeNic = async (name: string, subnetId = SUBNET) =>
    await network.networkInterfaces.createOrUpdate(
      BACKUP,
      `${name}-nic`,
      {
        location: REGION,
        ipConfigurations: [{ name: 'ipconfig1', subnet: { id: subnetId } }],
        tags: { task: name },
      },
      FAST,
    );
  const vmBody = (
    name: string,
    overrides: Partial<VirtualMachine> & { size?: string; zone?: string; disk?: string } = {},
  ): VirtualMachine => ({
    ...attachedVmBody({
      location: REGION,
      diskId: overrides.disk ?? id('Microsoft.Compute/disks', `${name}-disk`),
      nicId: id('Microsoft.Network/networkInterfaces', `${name}-nic`),
      size: overrides.size,
      zone: overrides.zone,
    }),
    tags: { task: name },
    ...overrides,
  });
  const putVm = (name: string, body: VirtualMachine) =>
    compute.virtualMachines.createOrUpdate(BACKUP, name, body, FAST);
  /** A device ready for a VM: its disk made from a snapshot and its NIC. */
  const device = async (name: string, extra: Parameters<typeof seedSource>[1] = {}, zone = '1') => {
    await makeDisk(name, await seedSource(name, extra), zone);
    await makeNic(name);
  };

  const agentReadySeconds = 36_000;
  beforeAll(async () => {
    // The agent turns Ready a simulated 10 hours after the VM (a minute of real time): the test
    // sees it Not Ready however slow this machine is, then moves the clock on.
    double = await startArmDouble({ timeScale: 600, agentReadySeconds });
    compute = computeClient(double, SUB, { retryOptions: { maxRetries: 0 } });
    network = networkClient(double, SUB, { retryOptions: { maxRetries: 0 } });
    double.seedSubnet(SUBNET, REGION);
  });
  afterAll(async () => await double.close());

  it('makes a VM from a snapshot-made disk end to end: Creating, then Succeeded, then the agent Ready', async () => {
    const snapshotId = await seedSource('pc-1');
    const disk = await makeDisk('pc-1', snapshotId);
    expect(disk).toMatchObject({
      provisioningState: 'Succeeded',
      zones: ['1'],
      hyperVGeneration: 'V2',
      diskSizeGB: 128,
      securityProfile: { securityType: 'TrustedLaunch' },
      creationData: { createOption: 'Copy', sourceResourceId: snapshotId },
    });
    const nic = await makeNic('pc-1');
    expect(nic.ipConfigurations?.[0]?.subnet?.id).toBe(SUBNET);

    const poller = putVm('pc-1', vmBody('pc-1'));
    await poller.submitted();
    const creating = await compute.virtualMachines.get(BACKUP, 'pc-1');
    expect(creating.provisioningState).toBe('Creating');
    const vm = await poller;
    expect(vm).toMatchObject({
      provisioningState: 'Succeeded',
      zones: ['1'],
      hardwareProfile: { vmSize: 'Standard_D2s_v5' },
    });
    expect(vm.timeCreated).toBeInstanceOf(Date);
    expect(vm.storageProfile?.osDisk?.managedDisk?.id).toBe(disk.id);

    const early = await compute.virtualMachines.get(BACKUP, 'pc-1', { expand: 'instanceView' });
    expect(early.instanceView?.vmAgent?.statuses?.[0]?.displayStatus).toBe('Not Ready');
    double.advance(agentReadySeconds * SECOND);
    const listed: VirtualMachine[] = [];
    for await (const v of compute.virtualMachines.list(BACKUP, { expand: 'instanceView' })) listed.push(v);
    expect(listed.find((v) => v.name === 'pc-1')?.instanceView?.vmAgent?.statuses?.[0]?.displayStatus).toBe(
      'Ready',
    );
    expect((await compute.disks.get(BACKUP, 'pc-1-disk')).managedBy).toBe(vm.id);
    expect((await network.networkInterfaces.get(BACKUP, 'pc-1-nic')).virtualMachine?.id).toBe(vm.id);

    // Compute treats PUT like PATCH: the same PUT again converges on the same VM.
    const again = await putVm('pc-1', vmBody('pc-1'));
    expect(again.vmId).toBe(vm.vmId);
    expect(double.vms().filter((v) => v.name === 'pc-1')).toHaveLength(1);
  });

  it('refuses a disk from a CopyStart copy still copying, and one in another region', async () => {
    const snapshotId = await seedSource('pc-2');
    await compute.snapshots.createOrUpdate(
      BACKUP,
      'pc-2-copy',
      { location: 'northeurope', creationData: { createOption: 'CopyStart', sourceResourceId: snapshotId } },
      FAST,
    );
    const copying = await refusal(
      compute.disks.createOrUpdate(
        BACKUP,
        'pc-2-ne',
        {
          location: 'northeurope',
          creationData: {
            createOption: 'Copy',
            sourceResourceId: id('Microsoft.Compute/snapshots', 'pc-2-copy'),
          },
        },
        FAST,
      ),
    );
    expect(copying).toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
    const elsewhere = await refusal(
      compute.disks.createOrUpdate(
        BACKUP,
        'pc-2-x',
        { location: 'northeurope', creationData: { createOption: 'Copy', sourceResourceId: snapshotId } },
        FAST,
      ),
    );
    expect(elsewhere).toMatchObject({ statusCode: 400, code: 'InvalidParameter' });
    expect(double.stats().refusals).toMatchObject({
      'disk.copy.sourceNotReady': 1,
      'disk.copy.sameRegion': 1,
    });
  });

  it('refuses a NIC in a subnet it cannot see, and deleting a NIC or a disk a VM holds', async () => {
    const missing = await refusal(makeNic('pc-x', SUBNET.replace('desktops', 'nowhere')));
    expect(missing).toMatchObject({ statusCode: 400, code: 'InvalidResourceReference' });
    expect(await refusal(network.networkInterfaces.delete(BACKUP, 'pc-1-nic', FAST))).toMatchObject({
      statusCode: 400,
      code: 'NicInUse',
    });
    expect(await refusal(compute.disks.delete(BACKUP, 'pc-1-disk', FAST))).toMatchObject({
      statusCode: 409,
      code: 'OperationNotAllowed',
    });
  });

  it('refuses VMs whose zone, size or security profile do not fit the disk, each with its code', async () => {
    await device('pc-3');
    const cases: [VirtualMachine, number, string, string][] = [
      [vmBody('pc-3', { zone: '2' }), 400, 'BadRequest', 'vm.disk.zone'],
      [
        vmBody('pc-3', { disk: id('Microsoft.Compute/disks', 'pc-1-disk') }),
        409,
        'OperationNotAllowed',
        'vm.disk.attachedElsewhere',
      ],
      [vmBody('pc-3', { size: 'Standard_D2_v3' }), 400, 'BadRequest', 'vm.size.hyperVGeneration'],
      [vmBody('pc-3', { size: 'Standard_D2s_v6' }), 400, 'BadRequest', 'vm.size.diskController'],
      [vmBody('pc-3', { securityProfile: undefined }), 400, 'BadRequest', 'vm.security.match'],
    ];
    for (const [body, status, code, rule] of cases) {
      expect(await refusal(putVm('pc-3', body)), rule).toMatchObject({ statusCode: status, code });
      expect(double.stats().refusals[rule], rule).toBeGreaterThanOrEqual(1);
    }
    // A generation-1 Standard disk passes the generation check on Dv3 and fails on premium storage.
    await device('pc-4', { hyperVGeneration: 'V1', securityType: 'Standard' });
    const premium = await refusal(
      putVm('pc-4', vmBody('pc-4', { size: 'Standard_D2_v3', securityProfile: undefined })),
    );
    expect(premium).toMatchObject({ statusCode: 400, code: 'BadRequest' });
    expect(double.stats().refusals['vm.size.premiumIO']).toBe(1);
    expect(double.vms().some((v) => v.name === 'pc-3' || v.name === 'pc-4')).toBe(false);
  });

  it('answers SkuNotAvailable for a size restricted in a zone, and the cores-quota error past the quota', async () => {
    await device('pc-5');
    double.seedVmSize({
      name: 'Standard_E2s_v5',
      restrictions: [{ location: REGION, zones: ['1'], subscriptionId: SUB }],
    });
    const sku = await refusal(putVm('pc-5', vmBody('pc-5', { size: 'Standard_E2s_v5' })));
    expect(sku).toMatchObject({ statusCode: 409, code: 'SkuNotAvailable' });
    expect((sku as Error).message).toContain(`is currently not available in location '${REGION}' zones '1'`);

    double.setQuota(SUB, REGION, 'standardDASv5Family', 2);
    await device('pc-6');
    await putVm('pc-6', vmBody('pc-6', { size: 'Standard_D2as_v5' }));
    const quota = await refusal(putVm('pc-5', vmBody('pc-5', { size: 'Standard_D2as_v5' })));
    expect(quota).toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
    expect((quota as Error).message).toContain('exceeding approved standardDASv5Family Cores quota');
    expect((quota as Error).message).toContain('Current Limit: 2, Current Usage: 2, Additional Required: 2');
    double.setQuota(SUB, REGION, 'standardDASv5Family', 4);
    expect((await putVm('pc-5', vmBody('pc-5', { size: 'Standard_D2as_v5' }))).provisioningState).toBe(
      'Succeeded',
    );
  });

  it('fails the LRO on no capacity, leaves the VM Failed with its disk, and provisions it with another size on a later PUT', async () => {
    await device('pc-7');
    double.injectCapacity({
      region: REGION,
      size: 'Standard_D2s_v5',
      zone: '1',
      code: 'ZonalAllocationFailed',
      times: 1,
    });
    const failed = await refusal(putVm('pc-7', vmBody('pc-7')));
    // core-lro puts the operation's error code and message in the thrown error's message.
    expect((failed as Error).message).toContain('ZonalAllocationFailed');
    const vm = await compute.virtualMachines.get(BACKUP, 'pc-7', { expand: 'instanceView' });
    expect(vm.provisioningState).toBe('Failed');
    expect(vm.instanceView?.statuses?.[0]?.code).toBe('ProvisioningState/failed/ZonalAllocationFailed');
    expect((await compute.disks.get(BACKUP, 'pc-7-disk')).managedBy).toBe(vm.id);

    const retried = await putVm('pc-7', vmBody('pc-7', { size: 'Standard_D4s_v5' }));
    expect(retried).toMatchObject({
      provisioningState: 'Succeeded',
      vmId: vm.vmId,
      hardwareProfile: { vmSize: 'Standard_D4s_v5' },
    });
    expect(double.vms().find((v) => v.name === 'pc-7')?.sizesTried).toEqual([
      'Standard_D2s_v5',
      'Standard_D4s_v5',
    ]);
  });

  it('allocates a VM naming a capacity reservation group with a free slot despite a capacity fault', async () => {
    const groupId = id('Microsoft.Compute/capacityReservationGroups', 'crg-dr');
    double.seedCapacityReservation({
      groupId,
      region: REGION,
      size: 'Standard_D2s_v5',
      zone: '1',
      capacity: 1,
    });
    const remove = double.injectCapacity({ region: REGION, code: 'AllocationFailed' });
    await device('pc-9');
    const vm = await putVm('pc-9', {
      ...vmBody('pc-9'),
      capacityReservation: { capacityReservationGroup: { id: groupId } },
    });
    expect(vm.provisioningState).toBe('Succeeded');
    remove();
  });

  it('keeps a stuck VM Creating however long the clock runs', async () => {
    await device('pc-8');
    const remove = double.stuckVm({ nameIncludes: 'pc-8', times: 1 });
    const poller = putVm('pc-8', vmBody('pc-8'));
    await poller.submitted();
    double.advance(60 * 60 * SECOND);
    expect((await compute.virtualMachines.get(BACKUP, 'pc-8')).provisioningState).toBe('Creating');
    expect(double.vms().find((v) => v.name === 'pc-8')).toMatchObject({
      provisioningState: 'Creating',
      agentReady: false,
    });
    remove();
  });

  it('deletes a VM with the disk and NIC whose deleteOption is Delete', async () => {
    const before = double.stats().compute;
    await compute.virtualMachines.delete(BACKUP, 'pc-8', FAST);
    expect(await refusal(compute.virtualMachines.get(BACKUP, 'pc-8'))).toMatchObject({ statusCode: 404 });
    expect(await refusal(compute.disks.get(BACKUP, 'pc-8-disk'))).toMatchObject({ statusCode: 404 });
    expect(await refusal(network.networkInterfaces.get(BACKUP, 'pc-8-nic'))).toMatchObject({
      statusCode: 404,
    });
    const after = double.stats().compute;
    expect(after.vmsDeleted - before.vmsDeleted).toBe(1);
    expect(after.disksDeleted - before.disksDeleted).toBe(1);
    expect(after.nicsDeleted - before.nicsDeleted).toBe(1);
    expect(double.vms().find((v) => v.name === 'pc-8')?.deleted).toBe(true);
  });

  it('lists resource SKUs in the real shape, restrictions for this subscription included', async () => {
    const skus = [];
    for await (const s of compute.resourceSkus.list({ filter: `location eq '${REGION}'` })) skus.push(s);
    const v6 = skus.find((s) => s.name === 'Standard_D2s_v6');
    expect(v6).toMatchObject({
      resourceType: 'virtualMachines',
      family: 'standardDSv6Family',
      locations: [REGION],
    });
    const caps = Object.fromEntries((v6?.capabilities ?? []).map((c) => [c.name, c.value]));
    expect(caps).toMatchObject({
      vCPUs: '2',
      HyperVGenerations: 'V2',
      DiskControllerTypes: 'NVMe',
      PremiumIO: 'True',
    });
    const e2 = skus.find((s) => s.name === 'Standard_E2s_v5');
    expect(e2?.restrictions?.[0]).toMatchObject({
      type: 'Zone',
      reasonCode: 'NotAvailableForSubscription',
      restrictionInfo: { locations: [REGION], zones: ['1'] },
    });
    const d2v3 = Object.fromEntries(
      (skus.find((s) => s.name === 'Standard_D2_v3')?.capabilities ?? []).map((c) => [c.name, c.value]),
    );
    expect(d2v3).toMatchObject({ TrustedLaunchDisabled: 'True', PremiumIO: 'False' });
  });
});

describe("ARM double: Compute's PutVM limit", () => {
  it('answers 429 with the PutVM3Min header once the bucket is empty, and counts it apart from ARM throttling', async () => {
    const double = await startArmDouble({
      timeScale: 600,
      limits: { putVmBucket: 2, putVmRefillPerMinute: 1 },
    });
    try {
      const compute = computeClient(double, SUB, { retryOptions: { maxRetries: 0 } });
      double.seedSubnet(SUBNET, REGION);
      // Malformed-but-routed PUTs are refused before the bucket; use bodies the double accepts up to the bucket.
      const statuses: number[] = [];
      let throttledHeader: string | null = null;
      for (let i = 0; i < 3; i += 1) {
        const error = await Promise.resolve(
          compute.virtualMachines.createOrUpdate(
            BACKUP,
            `vm-${i}`,
            {
              location: REGION,
              hardwareProfile: { vmSize: 'Standard_D2s_v5' },
              storageProfile: {
                osDisk: {
                  createOption: 'Attach',
                  osType: 'Windows',
                  managedDisk: { id: id('Microsoft.Compute/disks', 'none') },
                },
              },
              networkProfile: {
                networkInterfaces: [{ id: id('Microsoft.Network/networkInterfaces', 'none') }],
              },
            },
            {
              ...FAST,
              onResponse: (r) => {
                if (r.request.method === 'PUT') {
                  statuses.push(r.status);
                  if (r.status === 429)
                    throttledHeader = r.headers.get('x-ms-ratelimit-remaining-resource') ?? null;
                }
              },
            },
          ),
        ).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeDefined();
      }
      // The first two reach validation (the disk does not exist: 404); the third is throttled.
      expect(statuses).toEqual([404, 404, 429]);
      expect(throttledHeader).toBe('Microsoft.Compute/PutVM3Min;0');
      const stats = double.stats();
      expect(stats.compute).toMatchObject({ vmPuts: 2, computeThrottled: 1 });
      expect(stats.compute.maxVmPutsPerMinute).toEqual([{ subscriptionId: SUB, location: REGION, count: 2 }]);
      expect(stats.throttled).toBe(0);
    } finally {
      await double.close();
    }
  });
});
