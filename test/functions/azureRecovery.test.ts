/**
 * Issue 29 end to end, in Azure settings (`COMPUTE_PROVIDER=azure`) against the ARM double through
 * the real SDK clients: 300 managed-disk devices imported, protected by the registered timer and
 * worker, a region activated over HTTP and recovered by the registered orchestration and queue
 * workers onto one disk, NIC and VM each, made from each device's latest verified point, with its
 * security profile and a size that fits, registered in the DR host pool with its user assigned;
 * then deactivated, and after the sweeper nothing made for the activation is left.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetConfig } from '../../src/config';
import { installedStores, installServices, services } from '../../src/compositionRoot';
import type { EventLog } from '../../src/ports/EventLog';
import { DESKTOP_VIRTUALIZATION_USER, startArmDouble, type ArmDouble } from '../support/arm/startArmDouble';
import { eventually } from '../support/eventually';
import { call } from '../support/http';
import { MemoryCopySlots } from '../support/memoryCopySlots';
import { startRecoveryRuntime, type RecoveryRuntime } from '../support/recoveryRuntime';
import { platformToken } from '../support/tenants';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';
import { TestClock } from '../support/testClock';

const primary = 'westeurope';
const backup = 'northeurope';
const deviceCount = Number(process.env['AZURE_RECOVERY_DEVICES'] ?? 300);
const hour = 3_600_000;

describe('recovery onto Azure compute: 300 devices end to end', () => {
  let env: TestEnvironment;
  let double: ArmDouble;
  let runtime: RecoveryRuntime;
  let admin: string;
  let operator: string;
  let reader: string;
  const clock = new TestClock(Date.parse('2026-09-01T00:00:00Z'));
  const events: { event: string; properties: Record<string, unknown> }[] = [];
  const eventLog: EventLog = { emit: (event, properties) => void events.push({ event, properties }) };
  const tenantId = randomUUID();
  const sub = randomUUID();
  const groups = [
    `/subscriptions/${sub}/resourceGroups/rg-dr-a`,
    `/subscriptions/${sub}/resourceGroups/rg-dr-b`,
  ];
  const subnet = `/subscriptions/${sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-dr/subnets/desktops`;
  const hostPoolId = `/subscriptions/${sub}/resourceGroups/rg-avd/providers/Microsoft.DesktopVirtualization/hostPools/hp-dr`;
  const applicationGroupId = `/subscriptions/${sub}/resourceGroups/rg-avd/providers/Microsoft.DesktopVirtualization/applicationGroups/hp-dr-dag`;
  const userGroup = randomUUID();
  const ids = Array.from({ length: deviceCount }, (_, i) => `az-${String(i).padStart(3, '0')}`);
  const upn = (id: string) => `${id}@fabrikam.test`;
  const api = (path: string) => `${env.baseUrl}/tenants/${tenantId}${path}`;

  async function request(method: string, path: string, json?: unknown, token = admin) {
    return await call(api(path), { method, token, ...(json === undefined ? {} : { json }) });
  }

  beforeAll(async () => {
    // One real second is an hour of ARM's time: a seed copy, a VM's 90 s of provisioning and its
    // host's registration each take milliseconds.
    double = await startArmDouble({ timeScale: 3_600 });
    env = await startTestEnvironment({
      COMPUTE_PROVIDER: 'azure',
      ACTIVATION_POLL_SECONDS: '1',
      ACTIVATION_LEASE_SECONDS: '30',
    });
    resetConfig();
    installServices({
      clock,
      events: eventLog,
      worker: { checkDelayInMs: 50, retryBaseDelayInMs: 20, retryMaxDelayInMs: 100, maxAttempts: 3 },
      recovery: { checkDelayInMs: 100, retryBaseDelayInMs: 50, retryMaxDelayInMs: 200 },
      arm: {
        credential: double.credential,
        ...double.clientOptions(),
        copySlots: new MemoryCopySlots(100),
        pollIntervalInMs: 10,
        // A content check's SAS lives 10 simulated hours: 10 real seconds at this scale.
        store: { sasDurationInSeconds: 36_000 },
        // The provider reads VMs' creation times on ARM's clock, as it does in Azure.
        // Its deadline is ARM time too: 30 simulated days are 12 real minutes, so a device only
        // the queue's real-time delays hold back is not given up.
        // Registration tokens expire on ARM's clock.
        hostPools: { clock: { now: () => new Date(double.clock()) } },
        compute: {
          clock: { now: () => new Date(double.clock()) },
          listingTtlInMs: 100,
          provisioningDeadlineInMs: 30 * 24 * hour,
        },
      },
    });
    runtime = await startRecoveryRuntime();
    admin = await env.token(tenantId, ['DR.Admin']);
    operator = await env.token(tenantId, ['DR.Operator']);
    reader = await env.token(tenantId, ['DR.Reader']);

    double.seedSubnet(subnet, backup);
    double.avd.seedHostPool({ id: hostPoolId, location: backup });
    double.avd.seedApplicationGroup({ id: applicationGroupId, location: backup, hostPoolId });
    double.avd.seedRoleAssignment({
      scope: applicationGroupId,
      principalId: userGroup,
      roleDefinitionId: DESKTOP_VIRTUALIZATION_USER,
    });
    const diskIds = new Map<string, string>();
    for (const id of ids)
      diskIds.set(
        id,
        await double.seedDisk({
          subscriptionId: sub,
          resourceGroup: 'rg-desktops',
          name: `${id}-os`,
          location: primary,
          sizeGB: 16,
          osType: 'Windows',
          hyperVGeneration: 'V2',
          securityType: 'TrustedLaunch',
          diskControllerTypes: 'SCSI',
          vm: { name: id, size: 'Standard_D2s_v5', zone: '1', computerName: `${id}.fabrikam.test` },
        }),
      );

    const tenant = await call(`${env.baseUrl}/platform/tenants/${tenantId}`, {
      method: 'PUT',
      token: await platformToken(env),
      json: {
        name: 'Fabrikam',
        licences: deviceCount,
        allowedBackupRegions: [backup],
        diskScopes: [{ kind: 'managedDisk', armScope: `/subscriptions/${sub}` }],
        backupResourceGroups: { [backup]: groups },
      },
    });
    expect(tenant.status, tenant.text).toBe(201);
    const policy = await request('PUT', '/policies/hourly', {
      name: 'Hourly',
      backupRegion: backup,
      rpoHours: 1,
      retention: { latest: 2, weekly: 0, keepLatestManual: false },
      recovery: {
        subnetIds: [subnet],
        fallbackSizes: ['Standard_D4s_v5'],
        hostPoolId,
        applicationGroupId,
        userGroupObjectId: userGroup,
      },
    });
    expect(policy.status, policy.text).toBe(201);
    // In batches, each row's ARM reads within the request's deadline; a row that ran out of it
    // (503 in its result, on a loaded machine) is sent again, as an admin's script would.
    let pending = [...ids];
    for (let round = 0; round < 5 && pending.length > 0; round += 1) {
      const failed: string[] = [];
      for (let i = 0; i < pending.length; i += 50) {
        const batch = pending.slice(i, i + 50);
        const imported = await request('POST', '/device-imports', {
          devices: batch.map((id) => ({
            id,
            upn: upn(id),
            primaryRegion: primary,
            disk: { kind: 'managedDisk', armId: diskIds.get(id) },
            policyId: 'hourly',
            priorityTier: Number(id.slice(-1)) < 3 ? 1 : 2,
          })),
        });
        expect(imported.status, imported.text).toBe(200);
        for (const row of imported.body.results) if (row.outcome !== 'created') failed.push(row.id);
      }
      pending = failed;
    }
    expect(pending).toEqual([]);

    // One protection cycle: each device's only verified point is its latest.
    clock.time = clock.now().getTime() + hour;
    await services().scheduler.run(clock.now());
    const unprotected = async () =>
      (await Promise.all(ids.map((id) => installedStores().devices.get(tenantId, id)))).filter(
        (d) => !d?.lastVerifiedAt || d.pending,
      );
    try {
      await eventually(unprotected, (left) => left.length === 0, { timeoutMs: 240_000, intervalMs: 500 });
    } catch (err) {
      const left = await unprotected();
      const counts: Record<string, number> = {};
      for (const e of events) counts[e.event] = (counts[e.event] ?? 0) + 1;
      throw new Error(
        `${left.length} devices unprotected: ${left.map((d) => d?.id).join(', ')}; events ${JSON.stringify(counts)}; failures ${JSON.stringify(events.filter((e) => e.event === 'restore-point.failed' || e.event === 'restore-point.retrying').slice(0, 4))}`,
        { cause: err },
      );
    }
  }, 600_000);

  afterAll(async () => {
    await runtime?.stop();
    await env?.close();
    await double?.close();
  });

  it('recovers every device onto one disk, NIC and VM from its latest verified point, its user assigned in the DR host pool', async () => {
    const started = await call(api('/activations'), {
      method: 'POST',
      token: operator,
      json: { scope: { kind: 'region', region: primary } },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(started.status, started.text).toBe(202);
    const activationId: string = started.body.id;
    const report = await eventually(
      async () => (await call(api(`/activations/${activationId}`), { token: reader })).body,
      (body) => body?.state === 'completed' || body?.state === 'failed' || body?.counts?.failed > 0,
      { timeoutMs: 300_000, intervalMs: 500 },
    );
    if (report.state !== 'completed' || report.counts.failed > 0) {
      const failed = await call(api(`/activations/${activationId}/devices?state=failed&pageSize=5`), {
        token: reader,
      });
      throw new Error(`${JSON.stringify(report.counts)}: ${JSON.stringify(failed.body.items)}`);
    }
    expect(report.counts).toMatchObject({ recovered: deviceCount, failed: 0 });

    const made = (tag: string) => (r: { tags: Record<string, string>; deleted: boolean }) =>
      !r.deleted && Object.values(r.tags).includes(tag);
    for (const id of ids) {
      const vms = double.vms().filter(made(id));
      const disks = double.disks().filter(made(id));
      const nics = double.nics().filter(made(id));
      expect([vms.length, disks.length, nics.length], id).toEqual([1, 1, 1]);
      const [vm, disk, nic] = [vms[0]!, disks[0]!, nics[0]!];
      const latest = (await installedStores().managedPoints.list(backup, tenantId, id)).find(
        (p) => p.verified,
      )!;
      // From the newest verified point's copy, in that copy's resource group, on the policy's subnet.
      expect(disk.sourceResourceId, id).toBe(latest.snapshotArmId);
      expect(latest.snapshotArmId!.toLowerCase()).toContain(vm.resourceGroup.toLowerCase());
      expect(vm).toMatchObject({ osDiskId: disk.id, securityType: 'TrustedLaunch', size: 'Standard_D2s_v5' });
      expect(vm.nicIds).toEqual([nic.id]);
      expect(nic.subnetId).toBe(subnet);
    }
    const hosts = double.avd.sessionHosts(hostPoolId);
    expect(hosts).toHaveLength(deviceCount);
    expect(new Set(hosts.map((h) => h.assignedUser))).toEqual(new Set(ids.map(upn)));

    // The user is told where to connect.
    const self = await call(`${env.baseUrl}/users/${encodeURIComponent(upn(ids[7]!))}/dr-status`, {
      token: await env.token(tenantId, [], { upn: upn(ids[7]!) }),
    });
    expect(self.status, self.text).toBe(200);
    expect(self.body.devices[0]).toMatchObject({
      status: 'on-temporary-device',
      connection: { hostPoolId, sessionHost: expect.stringContaining(ids[7]!) },
    });

    const ended = await call(api(`/activations/${activationId}/deactivate`), {
      method: 'POST',
      token: operator,
    });
    expect(ended.status, ended.text).toBe(202);
    await eventually(
      async () => (await call(api(`/activations/${activationId}`), { token: reader })).body,
      (body) => body?.state === 'deactivated',
      { timeoutMs: 300_000, intervalMs: 500 },
    );
    await services().sweeper.sweep();
    const live = (r: { deleted: boolean; tags: Record<string, string> }) =>
      !r.deleted && Object.values(r.tags).includes(activationId);
    expect(double.vms().filter(live)).toEqual([]);
    expect(double.disks().filter(live)).toEqual([]);
    expect(double.nics().filter(live)).toEqual([]);
    expect(double.avd.sessionHosts(hostPoolId)).toEqual([]);
    expect(double.stats().overBudget).toBe(0);
  }, 900_000);
});
