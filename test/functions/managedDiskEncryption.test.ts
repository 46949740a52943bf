/**
 * Customer-managed keys and the content-check rate of managed disks, end to end: the platform names
 * a tenant's disk encryption sets per backup region (checked against its scopes and backup groups),
 * a policy sets how often content is compared, devices are registered through the API (checked in
 * ARM), and the registered timer's use case and queue worker take points against the local ARM
 * double (real `@azure/arm-compute` client), whose rule refuses a customer-key copy without a set.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComputeClients } from '../../src/adapters/arm/createComputeClient';
import { installedStores, installServices, services } from '../../src/compositionRoot';
import { contentSampled } from '../../src/domain/managedDiskPlacement';
import type { QueueHost } from '../../src/local/queueHost';
import type { EventLog } from '../../src/ports/EventLog';
import { seedDesktopDisk } from '../support/arm/seedDesktopDisk';
import { startArmDouble, type ArmDouble } from '../support/arm/startArmDouble';
import { call } from '../support/http';
import { MemoryCopySlots } from '../support/memoryCopySlots';
import { startRestorePointWorkerHost } from '../support/restorePointWorkerHost';
import { platformToken } from '../support/tenants';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';
import { TestClock } from '../support/testClock';

const hour = 3_600_000;
const primary = 'westeurope';
const backup = 'northeurope';
const cmk = 'EncryptionAtRestWithCustomerKey';

describe('managed disks with customer-managed keys, and the policy’s content-check rate', () => {
  let env: TestEnvironment;
  let double: ArmDouble;
  let queueHost: QueueHost;
  let clients: ComputeClients;
  let admin: string;
  let platform: string;
  const clock = new TestClock(Date.parse('2026-07-01T00:00:00Z'));
  const events: { event: string; properties: Record<string, unknown> }[] = [];
  const eventLog: EventLog = { emit: (event, properties) => void events.push({ event, properties }) };
  const tenantId = randomUUID();
  const plainTenant = randomUUID();
  const sub = randomUUID();
  const secondSub = randomUUID();
  const plainSub = randomUUID();
  const foreignSub = randomUUID();
  const groups = [
    `/subscriptions/${sub}/resourceGroups/rg-dr-a`,
    `/subscriptions/${sub}/resourceGroups/rg-dr-b`,
  ];
  const des = (subscription: string, name: string) =>
    `/subscriptions/${subscription}/resourceGroups/rg-keys/providers/Microsoft.Compute/diskEncryptionSets/${name}`;
  const backupSet = des(sub, 'des-neu');
  const sourceSet = des(sub, 'des-weu');
  const plainIds = ['pk-0', 'pk-1', 'pk-2'];
  const cmkIds = ['ck-0', 'ck-1'];
  const diskIds = new Map<string, string>();
  const api = (tenant: string, path: string) => `${env.baseUrl}/tenants/${tenant}${path}`;

  const entitlement = (extra: Record<string, unknown> = {}) => ({
    name: 'Fabrikam',
    licences: 100,
    allowedBackupRegions: [backup],
    diskScopes: [
      { kind: 'managedDisk', armScope: `/subscriptions/${sub}` },
      { kind: 'managedDisk', armScope: `/subscriptions/${secondSub}` },
    ],
    backupResourceGroups: { [backup]: groups },
    backupDiskEncryptionSets: { [backup]: [backupSet] },
    ...extra,
  });

  async function putTenant(id: string, json: unknown) {
    return await call(`${env.baseUrl}/platform/tenants/${id}`, { method: 'PUT', token: platform, json });
  }

  /** A desktop's OS disk (`${name}-os`, not Trusted Launch), with the customer key's set when `encrypted`. */
  async function seedDisk(subscriptionId: string, name: string, encrypted: boolean) {
    return await seedDesktopDisk(double, {
      subscriptionId,
      name,
      location: primary,
      securityType: undefined,
      ...(encrypted ? { encryption: { type: cmk, diskEncryptionSetId: sourceSet } } : {}),
    });
  }

  const device = (armId: string, policyId = 'hourly') => ({
    upn: 'user@fabrikam.test',
    primaryRegion: primary,
    disk: { kind: 'managedDisk', armId },
    policyId,
    priorityTier: 2,
  });

  const copiesOf = (id: string) =>
    double.snapshots().filter((s) => s.tags['clouddr-device'] === id && s.createOption === 'CopyStart');

  /** The product's only POSTs to ARM are a snapshot SAS's grants and revokes. */
  const sasCalls = () =>
    double
      .stats()
      .callsBy.filter((c) => c.method === 'POST' && c.subscriptionId.toLowerCase() === sub.toLowerCase())
      .reduce((sum, c) => sum + c.count, 0);

  /** Runs the timer's use case at `time` and waits until each of `expected` recorded a point after it. */
  async function cycle(time: number, expected: readonly string[]): Promise<void> {
    clock.time = time;
    await services().scheduler.run(clock.now());
    await expect
      .poll(
        async () => {
          const devices = await Promise.all(
            expected.map((id) => installedStores().devices.get(tenantId, id)),
          );
          return devices.filter(
            (d) => d?.lastVerifiedAt && Date.parse(d.lastVerifiedAt) > time - hour && !d.pending,
          ).length;
        },
        { timeout: 20_000, interval: 100 },
      )
      .toBe(expected.length);
  }

  async function newestPoint(id: string) {
    return (await installedStores().points.list(backup, tenantId, id))[0]!;
  }

  beforeAll(async () => {
    double = await startArmDouble({ timeScale: 3_600 });
    env = await startTestEnvironment();
    clients = new ComputeClients({ credential: double.credential, ...double.clientOptions() });
    installServices({
      clock,
      events: eventLog,
      worker: {
        checkDelayInMs: 50,
        snapshotCheckDelayInMs: 20,
        retryBaseDelayInMs: 20,
        retryMaxDelayInMs: 100,
        maxAttempts: 2,
        cacheTtlInMs: 0,
      },
      arm: {
        credential: double.credential,
        ...double.clientOptions(),
        copySlots: new MemoryCopySlots(100),
        pollIntervalInMs: 10,
        // The deployment's default compares 1 point in 2: a policy's own rate must show.
        store: { contentSampleEvery: 2, copyTimeoutInMs: 3_000, sasDurationInSeconds: 36_000 },
      },
    });
    queueHost = await startRestorePointWorkerHost({ visibilityTimeoutInMs: 5_000 });
    admin = await env.token(tenantId, ['DR.Admin']);
    platform = await platformToken(env);
    const created = await putTenant(tenantId, entitlement());
    expect(created.status, created.text).toBe(201);
    for (const id of plainIds) diskIds.set(id, await seedDisk(sub, id, false));
    for (const id of cmkIds) diskIds.set(id, await seedDisk(sub, id, true));
  }, 120_000);

  afterAll(async () => {
    await queueHost?.stop();
    await env?.close();
    await double?.close();
  });

  it('refuses disk encryption sets outside the scopes, twice in one subscription, or missing where a backup group is, naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { backupDiskEncryptionSets: { [backup]: [des(foreignSub, 'des-x')] } },
        `body.backupDiskEncryptionSets.${backup}.0`,
      ],
      [
        { backupDiskEncryptionSets: { [backup]: [backupSet, des(sub, 'des-again')] } },
        `body.backupDiskEncryptionSets.${backup}.1`,
      ],
      [
        {
          backupResourceGroups: {
            [backup]: [...groups, `/subscriptions/${secondSub}/resourceGroups/rg-dr-c`],
          },
        },
        `body.backupDiskEncryptionSets.${backup}`,
      ],
      [
        { backupDiskEncryptionSets: { [backup]: [`/subscriptions/${sub}/resourceGroups/rg-keys`] } },
        `body.backupDiskEncryptionSets.${backup}.0`,
      ],
    ];
    for (const [change, field] of cases) {
      const response = await putTenant(tenantId, entitlement(change));
      expect(response.status, JSON.stringify(change)).toBe(400);
      expect(response.body.errors, JSON.stringify(change)).toEqual([expect.objectContaining({ field })]);
    }
    // Two subscriptions of backup groups, one set in each: accepted; then back as it was.
    const spread = await putTenant(
      tenantId,
      entitlement({
        backupResourceGroups: { [backup]: [...groups, `/subscriptions/${secondSub}/resourceGroups/rg-dr-c`] },
        backupDiskEncryptionSets: { [backup]: [backupSet, des(secondSub, 'des-neu')] },
      }),
    );
    expect(spread.status, spread.text).toBe(200);
    expect((await putTenant(tenantId, entitlement())).status).toBe(200);
    const tenant = await call(`${env.baseUrl}/tenants/${tenantId}`, { token: admin });
    expect(tenant.body.backupDiskEncryptionSets).toEqual({ [backup]: [backupSet] });
  });

  it('validates a policy’s content-check rate, naming the field, and keeps it only while it is sent', async () => {
    const base = {
      name: 'Hourly',
      backupRegion: backup,
      rpoHours: 1,
      retention: { latest: 2, weekly: 0, keepLatestManual: false },
    };
    for (const contentCheck of [{ sampleEvery: 0 }, { sampleEvery: 1.5 }, { sampleEvery: 10_001 }]) {
      const refused = await call(api(tenantId, '/policies/hourly'), {
        method: 'PUT',
        token: admin,
        json: { ...base, contentCheck },
      });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([
        expect.objectContaining({ field: 'body.contentCheck.sampleEvery' }),
      ]);
    }
    const unknown = await call(api(tenantId, '/policies/hourly'), {
      method: 'PUT',
      token: admin,
      json: { ...base, contentCheck: { sampleEvery: 1, every: 1 } },
    });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body.errors)).toContain('body.contentCheck');

    const created = await call(api(tenantId, '/policies/hourly'), {
      method: 'PUT',
      token: admin,
      json: { ...base, contentCheck: { sampleEvery: 7 } },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.contentCheck).toEqual({ sampleEvery: 7 });
    const dropped = await call(api(tenantId, '/policies/hourly'), {
      method: 'PUT',
      token: admin,
      json: base,
    });
    expect(dropped.body.contentCheck).toBeUndefined();
    const set = await call(api(tenantId, '/policies/hourly'), {
      method: 'PUT',
      token: admin,
      json: { ...base, contentCheck: { sampleEvery: 1 } },
    });
    expect(set.status).toBe(200);
    expect((await call(api(tenantId, '/policies/hourly'), { token: admin })).body.contentCheck).toEqual({
      sampleEvery: 1,
    });
  });

  it('refuses to register a customer-key disk where the tenant names no disk encryption set in the backup region', async () => {
    const response = await putTenant(plainTenant, {
      name: 'Plain',
      licences: 10,
      allowedBackupRegions: [backup],
      diskScopes: [{ kind: 'managedDisk', armScope: `/subscriptions/${plainSub}` }],
      backupResourceGroups: { [backup]: [`/subscriptions/${plainSub}/resourceGroups/rg-dr`] },
    });
    expect(response.status, response.text).toBe(201);
    const plainAdmin = await env.token(plainTenant, ['DR.Admin']);
    const policy = await call(api(plainTenant, '/policies/hourly'), {
      method: 'PUT',
      token: plainAdmin,
      json: { name: 'Hourly', backupRegion: backup, rpoHours: 1 },
    });
    expect(policy.status, policy.text).toBe(201);
    const encrypted = await seedDisk(plainSub, 'plain-ck', true);
    const refused = await call(api(plainTenant, '/devices/ck'), {
      method: 'PUT',
      token: plainAdmin,
      json: device(encrypted),
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        field: 'body.disk',
        reason: expect.stringContaining('backupDiskEncryptionSets'),
      }),
    ]);
    expect((await call(api(plainTenant, '/devices/ck'), { token: plainAdmin })).status).toBe(404);
    const plain = await seedDisk(plainSub, 'plain-pk', false);
    const accepted = await call(api(plainTenant, '/devices/pk'), {
      method: 'PUT',
      token: plainAdmin,
      json: device(plain),
    });
    expect(accepted.status, accepted.text).toBe(201);
  });

  it('copies customer-key disks with the backup region’s set, and compares every point at sampleEvery 1', async () => {
    for (const id of [...plainIds, ...cmkIds]) {
      const response = await call(api(tenantId, `/devices/${id}`), {
        method: 'PUT',
        token: admin,
        json: device(diskIds.get(id)!),
      });
      expect(response.status, response.text).toBe(201);
    }
    const registered = await call(api(tenantId, `/devices/${cmkIds[0]}`), { token: admin });
    expect(registered.body.diskFacts.encryption).toEqual({ type: cmk, diskEncryptionSetId: sourceSet });

    const before = sasCalls();
    await cycle(clock.time + hour, [...plainIds, ...cmkIds]);
    // Two grants and two revokes per point: every point's content was compared.
    expect(sasCalls() - before).toBe(4 * (plainIds.length + cmkIds.length));
    for (const id of cmkIds) {
      const [view] = copiesOf(id);
      const copy = await clients.for(sub).snapshots.get(view!.resourceGroup, view!.name);
      expect(copy.encryption, id).toEqual({ type: cmk, diskEncryptionSetId: backupSet });
      expect(await newestPoint(id), id).toMatchObject({ verified: true });
    }
    for (const id of plainIds) {
      const [view] = copiesOf(id);
      const copy = await clients.for(sub).snapshots.get(view!.resourceGroup, view!.name);
      expect(copy.encryption?.diskEncryptionSetId, id).toBeUndefined();
    }
  });

  it('compares none at sampleEvery 10,000: only what its 1-in-10,000 sample picks', async () => {
    const put = await call(api(tenantId, '/policies/hourly'), {
      method: 'PUT',
      token: admin,
      json: {
        name: 'Hourly',
        backupRegion: backup,
        rpoHours: 1,
        retention: { latest: 2, weekly: 0, keepLatestManual: false },
        contentCheck: { sampleEvery: 10_000 },
      },
    });
    expect(put.status, put.text).toBe(200);
    const all = [...plainIds, ...cmkIds];
    for (const id of all) double.writeToDisk(diskIds.get(id)!, 1);
    const before = sasCalls();
    const time = clock.time + hour;
    await cycle(time, all);
    const slots = await Promise.all(
      all.map(async (id) => [id, new Date((await newestPoint(id)).takenAt)] as const),
    );
    const sampled = slots.filter(([id, takenAt]) => contentSampled(tenantId, id, takenAt, 10_000)).length;
    // Exactly the points the policy's 1 in 10,000 picks (none, but for a 1-in-2,000 chance of one
    // with these random ids); the deployment's default, 1 in 2, would have compared about half.
    expect(sasCalls() - before).toBe(4 * sampled);
    expect(sampled).toBeLessThanOrEqual(1);
  });

  it('fails a registered customer-key device’s point with its reason once its set is gone, never copying it with another key', async () => {
    const removed = await putTenant(tenantId, entitlement({ backupDiskEncryptionSets: {} }));
    expect(removed.status, removed.text).toBe(200);
    for (const id of [...plainIds, ...cmkIds]) double.writeToDisk(diskIds.get(id)!, 1);
    const copiesBefore = new Map(cmkIds.map((id) => [id, copiesOf(id).length]));
    const time = clock.time + hour;
    // Platform-key disks are protected as before.
    await cycle(time, plainIds);
    await expect
      .poll(
        () =>
          cmkIds.filter((id) =>
            events.some((e) => e.event === 'restore-point.failed' && e.properties.deviceId === id),
          ).length,
        { timeout: 20_000, interval: 100 },
      )
      .toBe(cmkIds.length);
    for (const id of cmkIds) {
      const failed = events.find((e) => e.event === 'restore-point.failed' && e.properties.deviceId === id)!;
      expect(failed.properties.detail, id).toMatch(/customer-managed key.*no disk encryption set/);
      expect(
        events.some(
          (e) => e.event === 'restore-point.encryption-set-missing' && e.properties.deviceId === id,
        ),
        id,
      ).toBe(true);
      // No copy of this slot was ever started, with or without a key.
      expect(copiesOf(id), id).toHaveLength(copiesBefore.get(id)!);
      const stored = await installedStores().devices.get(tenantId, id);
      expect(Date.parse(stored!.lastVerifiedAt!), id).toBeLessThanOrEqual(time - hour);
    }
  });
});
