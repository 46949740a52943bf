/**
 * The Azure compute provider against the ARM double (real `@azure/arm-compute`, `@azure/arm-network`
 * and AVD clients): the happy path to a desktop with its user assigned, and the ways it goes wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmPriority, armPriorityHeader } from '../../../../src/adapters/arm/pacing/armPriority';
import { CapacityUnavailableError } from '../../../../src/ports/ComputeProvider';
import {
  applicationGroupId,
  drive,
  hostPoolId,
  liveResources,
  recordingPolicy,
  region,
  scope,
  startHarness,
  sub,
  withHostPool,
  type Harness,
} from './azureHarness';

describe('AzureComputeProvider against the ARM double', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => await h?.close());

  it('recovers a desktop: disk from the snapshot, NIC, VM, registration, the user assigned', async () => {
    const provider = h.provider();
    const request = h.request('dr-happy', withHostPool);
    const { state } = await drive(h, provider, request);

    expect(state).toMatchObject({
      state: 'ready',
      scope,
      connection: { hostPoolId, sessionHost: 'pc-001.contoso.com' },
    });
    const live = liveResources(h, 'dr-happy');
    expect(live.vms).toHaveLength(1);
    expect(live.disks).toHaveLength(1);
    expect(live.nics).toHaveLength(1);
    const [vm] = live.vms;
    expect(vm).toMatchObject({
      size: 'Standard_D4s_v5',
      zone: '2',
      securityType: 'TrustedLaunch',
      provisioningState: 'Succeeded',
    });
    expect(live.disks[0]).toMatchObject({ sourceResourceId: h.snapshotId, zone: '2', managedBy: vm!.id });
    expect(vm!.tags).toMatchObject({
      'dr-temporary-device': 'dr-happy',
      'dr-tenant': 'tenant-1',
      'dr-device': 'dr-happy',
    });
    const host = h.double.avd
      .sessionHosts(hostPoolId)
      .find((s) => s.resourceId?.toLowerCase() === vm!.id.toLowerCase());
    expect(host).toMatchObject({
      name: 'pc-001.contoso.com',
      assignedUser: 'ada@contoso.com',
      registered: true,
    });

    // Deactivation: the session host record, then the VM with its disk and NIC.
    await provider.deleteTemporaryDevice(region, 'dr-happy', scope);
    h.double.advance(5 * 60_000);
    expect(liveResources(h, 'dr-happy')).toEqual({ vms: [], disks: [], nics: [] });
    expect(h.double.avd.sessionHosts(hostPoolId).some((s) => s.name === 'pc-001.contoso.com')).toBe(false);
  });

  it('reads a ready device with its connection, and removes its session host by that name, not by reading the pool', async () => {
    const recorder = recordingPolicy();
    const provider = h.provider({}, [recorder.policy]);
    const { state } = await drive(h, provider, h.request('dr-named', withHostPool));
    if (state.state !== 'ready') throw new Error(`not ready: ${JSON.stringify(state)}`);
    const { connection } = state;
    expect(connection).toEqual({ hostPoolId, sessionHost: 'pc-001.contoso.com' });
    expect(await provider.getTemporaryDevice(region, 'dr-named')).toMatchObject({
      status: { state: 'ready', connection },
    });

    recorder.calls.length = 0;
    // What a release passes: the connection its task recorded.
    await provider.deleteTemporaryDevice(region, 'dr-named', scope, connection);
    // One DELETE by name: a walk of the pool (300 devices at once in a deactivation) is not needed.
    expect(recorder.calls.filter((c) => c.startsWith('GET ') && c.includes('/sessionHosts'))).toEqual([]);
    expect(recorder.calls).toContain(`DELETE ${hostPoolId}/sessionHosts/pc-001.contoso.com`);
    h.double.advance(5 * 60_000);
    expect(liveResources(h, 'dr-named')).toEqual({ vms: [], disks: [], nics: [] });
    expect(h.double.avd.sessionHosts(hostPoolId).some((s) => s.name === 'pc-001.contoso.com')).toBe(false);
  });

  it('marks each PUT with its step’s ARM priority: the VM before the NIC before the disk', async () => {
    const marked: Record<string, string | undefined> = {};
    const provider = h.provider({}, [
      {
        name: 'recordPriority',
        async sendRequest(request, next) {
          const kind = /\/(disks|networkInterfaces|virtualMachines)\/dr-prio/.exec(request.url)?.[1];
          if (request.method === 'PUT' && kind) marked[kind] = request.headers.get(armPriorityHeader);
          return await next(request);
        },
      },
    ]);
    await drive(h, provider, h.request('dr-prio'));
    expect(marked).toEqual({
      disks: String(ArmPriority.recoveryDisk),
      networkInterfaces: String(ArmPriority.recoveryNic),
      virtualMachines: String(ArmPriority.recoveryVm),
    });
    expect(ArmPriority.recoveryVm).toBeGreaterThan(ArmPriority.recoveryNic);
    expect(ArmPriority.recoveryNic).toBeGreaterThan(ArmPriority.recoveryDisk);
    await provider.deleteTemporaryDevice(region, 'dr-prio', scope);
  });

  it('moves to the next size when the first has no capacity', async () => {
    const remove = h.double.injectCapacity({
      region,
      size: 'Standard_D4s_v5',
      code: 'AllocationFailed',
      times: 1,
    });
    try {
      const { state } = await drive(h, h.provider(), h.request('dr-alloc'));
      expect(state.state).toBe('ready');
      const [vm] = liveResources(h, 'dr-alloc').vms;
      expect(vm?.sizesTried).toEqual(['Standard_D4s_v5', 'Standard_D2s_v5']);
      expect(vm?.size).toBe('Standard_D2s_v5');
      expect(liveResources(h, 'dr-alloc').disks).toHaveLength(1);
    } finally {
      remove();
    }
  });

  it('remakes the disk in the next zone when its zone has no capacity', async () => {
    const remove = h.double.injectCapacity({ region, zone: '2', code: 'ZonalAllocationFailed' });
    try {
      const { state } = await drive(h, h.provider(), h.request('dr-zonal'));
      expect(state.state).toBe('ready');
      const live = liveResources(h, 'dr-zonal');
      expect(live.vms.map((v) => v.zone)).toEqual(['1']);
      expect(live.disks.map((d) => [d.name, d.zone, d.tags['dr-zones-tried']])).toEqual([
        ['dr-zonal-os-z1', '1', '2'],
      ]);
      const gone = h.double.disks().filter((d) => d.name === 'dr-zonal-os-z2');
      expect(gone.map((d) => d.deleted)).toEqual([true]);
    } finally {
      remove();
    }
  });

  it('ends the round with no-capacity when every zone is spent, and starts a new round after', async () => {
    const removes = ['1', '2', '3'].map((zone) =>
      h.double.injectCapacity({ region, zone, code: 'ZonalAllocationFailed' }),
    );
    const provider = h.provider();
    const request = h.request('dr-nocap');
    let error: unknown;
    try {
      await drive(h, provider, request);
    } catch (err) {
      error = err;
    } finally {
      removes.forEach((remove) => remove());
    }
    expect(error).toBeInstanceOf(CapacityUnavailableError);
    expect(error).toMatchObject({ kind: 'no-capacity', message: expect.stringContaining('zones 2, 1, 3') });
    h.double.advance(5 * 60_000);
    const { state } = await drive(h, provider, request);
    expect(state.state).toBe('ready');
    expect(liveResources(h, 'dr-nocap').vms.map((v) => v.zone)).toEqual(['2']);
  });

  it('waits for quota, naming it, and recovers once the quota is raised', async () => {
    h.double.setQuota(sub, region, 'standardDSv5Family', 0);
    const provider = h.provider();
    const request = h.request('dr-quota', { fallbackSizes: ['Standard_D2s_v5'] });
    let error: unknown;
    try {
      await drive(h, provider, request);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CapacityUnavailableError);
    expect(error).toMatchObject({
      kind: 'quota-exceeded',
      message: expect.stringMatching(/standardDSv5Family/i),
    });
    // Nothing lost: the disk and NIC wait for the VM.
    expect(liveResources(h, 'dr-quota')).toMatchObject({ vms: [], disks: [{}], nics: [{}] });
    h.double.setQuota(sub, region, 'standardDSv5Family', 1_000);
    const { state } = await drive(h, provider, request);
    expect(state.state).toBe('ready');
  });

  it('skips sizes restricted for the subscription without a PUT, and moves past a SkuNotAvailable refusal', async () => {
    h.double.seedVmSize({
      name: 'Standard_E2s_v5',
      restrictions: [{ location: region, subscriptionId: sub }],
    });
    const remove = h.double.inject({
      match: { method: 'PUT', pathIncludes: '/virtualMachines/dr-sku' },
      status: 409,
      code: 'SkuNotAvailable',
      message: 'The requested size for resource is currently not available in location',
      times: 1,
    });
    try {
      const request = h.request(
        'dr-sku',
        { fallbackSizes: ['Standard_D2s_v5', 'Standard_D2as_v5'] },
        {
          vm: { id: 'x', size: 'Standard_E2s_v5', zone: '2' },
        },
      );
      const { state } = await drive(h, h.provider(), request);
      expect(state.state).toBe('ready');
      const [vm] = liveResources(h, 'dr-sku').vms;
      // E2s_v5 never sent; D2s_v5 refused at the PUT; D2as_v5 made.
      expect(vm?.sizesTried).toEqual(['Standard_D2as_v5']);
    } finally {
      remove();
    }
  });

  it('skips sizes that do not fit the disk: NVMe-only for a SCSI image, no premium IO', async () => {
    const request = h.request(
      'dr-fit',
      { fallbackSizes: ['Standard_D2_v3', 'Standard_D2s_v5'] },
      {
        vm: { id: 'x', size: 'Standard_D2s_v6', zone: '2' },
      },
    );
    const { state } = await drive(h, h.provider(), request);
    expect(state.state).toBe('ready');
    expect(liveResources(h, 'dr-fit').vms[0]?.sizesTried).toEqual(['Standard_D2s_v5']);
  });

  it('fails a VM stuck in Creating after the deadline, with why, and starts over when ensured again', async () => {
    const remove = h.double.stuckVm({ nameIncludes: 'dr-stuck' });
    const provider = h.provider({ provisioningDeadlineInMs: 20 * 60_000 });
    const request = h.request('dr-stuck');
    const { state } = await drive(h, provider, request, { stepMs: 5 * 60_000 });
    expect(state).toMatchObject({
      state: 'failed',
      reason: expect.stringMatching(/not ready 20 minutes after it was created.*still creating.*Creating/),
    });
    remove();
    h.double.advance(5 * 60_000);
    const again = await drive(h, provider, request);
    expect(again.state.state).toBe('ready');
    expect(liveResources(h, 'dr-stuck').vms).toHaveLength(1);
  });

  it('makes one disk, NIC and VM under duplicate concurrent ensures from two processes', async () => {
    const one = h.provider();
    const two = h.provider();
    const request = h.request('dr-dup');
    const before = h.double.stats().compute;
    let ready = false;
    for (let step = 0; step < 40 && !ready; step++) {
      const states = await Promise.all(
        [one, two, one, two, one].map((p) => p.ensureTemporaryDevice(request)),
      );
      ready = states.every((s) => s.state === 'ready');
      h.double.advance(30_000);
    }
    expect(ready).toBe(true);
    const after = h.double.stats().compute;
    expect(after.disksCreated - before.disksCreated).toBe(1);
    expect(after.nicsCreated - before.nicsCreated).toBe(1);
    expect(after.vmsCreated - before.vmsCreated).toBe(1);
  });

  it('leaves nothing when deleted while provisioning', async () => {
    const provider = h.provider();
    const request = h.request('dr-del');
    // Disk, NIC, then the VM's PUT: the VM is Creating.
    for (let i = 0; i < 4; i++) {
      await provider.ensureTemporaryDevice(request);
      h.double.advance(30_000);
    }
    expect(liveResources(h, 'dr-del').vms.map((v) => v.provisioningState)).toEqual(['Creating']);
    await provider.deleteTemporaryDevice(region, 'dr-del', scope);
    await provider.deleteTemporaryDevice(region, 'dr-del', scope); // idempotent
    h.double.advance(5 * 60_000);
    expect(liveResources(h, 'dr-del')).toEqual({ vms: [], disks: [], nics: [] });
    const listed = [];
    for await (const device of provider.listTemporaryDevices(region))
      if (device.name === 'dr-del') listed.push(device);
    expect(listed).toEqual([]);
    await provider.deleteTemporaryDevice(region, 'dr-del'); // missing: success
  });

  it('lists a half-created device (a disk alone) for the sweeper, and deletes it without a scope', async () => {
    const provider = h.provider();
    await provider.ensureTemporaryDevice(h.request('dr-half'));
    h.double.advance(60_000);
    const listed = [];
    for await (const device of provider.listTemporaryDevices(region))
      if (device.name === 'dr-half') listed.push(device);
    expect(listed).toEqual([
      {
        name: 'dr-half',
        region,
        scope,
        tags: { tenantId: 'tenant-1', activationId: 'act-1', deviceId: 'dr-half' },
        status: { state: 'provisioning', scope },
      },
    ]);
    expect(await provider.getTemporaryDevice(region, 'dr-half')).toMatchObject({ name: 'dr-half', scope });
    await provider.deleteTemporaryDevice(region, 'dr-half');
    h.double.advance(60_000);
    expect(liveResources(h, 'dr-half')).toEqual({ vms: [], disks: [], nics: [] });
  });

  it('fails a device whose users group is not assigned to the application group, before making anything', async () => {
    const state = await h.provider().ensureTemporaryDevice(
      h.request('dr-noassign', {
        ...withHostPool,
        userGroupObjectId: '99999999-bbbb-4ccc-8ddd-eeeeeeeeeeee',
      }),
    );
    expect(state).toMatchObject({ state: 'failed', reason: expect.stringContaining(applicationGroupId) });
    expect(liveResources(h, 'dr-noassign')).toEqual({ vms: [], disks: [], nics: [] });
  });

  it('serves every device of a resource group from one listing while it is fresh', async () => {
    const recorder = recordingPolicy();
    const provider = h.provider({ listingTtlInMs: 10_000 }, [recorder.policy]);
    const names = Array.from({ length: 20 }, (_, i) => `dr-many-${i}`);
    const states = await Promise.all(names.map((n) => provider.ensureTemporaryDevice(h.request(n))));
    expect(states.every((s) => s.state === 'provisioning')).toBe(true);
    const lists = (path: string) =>
      recorder.calls.filter((c) => c === `GET ${scope}/providers/${path}`).length;
    expect([
      lists('Microsoft.Compute/virtualMachines'),
      lists('Microsoft.Compute/disks'),
      lists('Microsoft.Network/networkInterfaces'),
    ]).toEqual([1, 1, 1]);
    // One disk PUT per device, no per-device GET.
    expect(recorder.calls.filter((c) => c.startsWith('PUT ') && c.includes('/disks/dr-many-'))).toHaveLength(
      20,
    );
    expect(recorder.calls.filter((c) => c.startsWith('GET ') && c.includes('/dr-many-'))).toEqual([]);
    for (const name of names) await provider.deleteTemporaryDevice(region, name, scope);
  });

  it('fails a device whose subscription has no subnet in the policy', async () => {
    const other =
      '/subscriptions/99999999-2222-4333-8444-555555555555/resourceGroups/n/providers/Microsoft.Network/virtualNetworks/v/subnets/s';
    const state = await h.provider().ensureTemporaryDevice(h.request('dr-nonet', { subnetIds: [other] }));
    expect(state).toMatchObject({ state: 'failed', reason: expect.stringContaining(`subscription ${sub}`) });
  });
});
