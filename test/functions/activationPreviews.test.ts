/**
 * `POST …/activation-previews` against the Cosmos emulator and Azurite: what an activation with the
 * same body would recover and skip, decided by planning's own rules and read in planning's order,
 * in small pages; with nothing written (every Cosmos document the same before and after), the
 * request audited as any; another tenant refused and shown nothing; bad input refused by field.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivationPreview } from '../../src/app/ActivationPreview';
import { installedStores, installServices, services } from '../../src/compositionRoot';
import { createDisk, regionBlobService } from '../support/disks';
import { call, type TestResponse } from '../support/http';
import { expectRefused, fields } from '../support/refusals';
import { stateSnapshot } from '../support/stateSnapshot';
import { diskScope, provisionTenant } from '../support/tenants';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

const hour = 3_600_000;

describe('activation previews', () => {
  let env: TestEnvironment;
  let operator: string;
  let reader: string;
  const clock = { time: Date.parse('2026-06-01T10:00:00Z'), now: () => new Date(clock.time) };
  const tenantId = randomUUID();
  const otherTenantId = randomUUID();
  const api = (path: string, tenant = tenantId) => `${env.baseUrl}/tenants/${tenant}${path}`;
  const diskContainer = `preview-${randomBytes(6).toString('hex')}`;
  /** Tiers of the protected devices p1–p6. */
  const tiers: Record<string, number> = { p1: 1, p2: 1, p3: 2, p4: 2, p5: 3, p6: 3 };

  async function preview(body: unknown, token = operator, tenant = tenantId): Promise<TestResponse> {
    return await call(api('/activation-previews', tenant), { method: 'POST', token, json: body });
  }

  async function register(admin: string, id: string, tier: number): Promise<void> {
    await createDisk(regionBlobService(env.settings, 'westeurope'), diskContainer, `${id}.vhd`);
    const response = await call(api(`/devices/${id}`), {
      method: 'PUT',
      token: admin,
      json: {
        upn: `${id}@contoso.test`,
        primaryRegion: 'westeurope',
        disk: { container: diskContainer, blob: `${id}.vhd` },
        policyId: 'hourly',
        priorityTier: tier,
      },
    });
    expect(response.status, response.text).toBeLessThan(300);
  }

  beforeAll(async () => {
    env = await startTestEnvironment();
    // Pages of two: the preview reads the first list and the scope over several pages.
    installServices({ clock, events: { emit: () => undefined }, activationPageSize: 2 });
    const admin = await env.token(tenantId, ['DR.Admin']);
    operator = await env.token(tenantId, ['DR.Operator']);
    reader = await env.token(tenantId, ['DR.Reader']);
    // Eight licences: p1–p6, n1 and a1 take them; u1 is registered unlicensed.
    await provisionTenant(env, tenantId, { licences: 8, diskScopes: [diskScope(diskContainer)] });
    await provisionTenant(env, otherTenantId, { licences: 1 });
    const policy = await call(api('/policies/hourly'), {
      method: 'PUT',
      token: admin,
      json: { name: 'Hourly', backupRegion: 'northeurope', rpoHours: 1 },
    });
    expect(policy.status, policy.text).toBeLessThan(300);
    for (const [id, tier] of Object.entries(tiers)) await register(admin, id, tier);
    await register(admin, 'n1', 1);
    await register(admin, 'a1', 1);
    await register(admin, 'u1', 2);
    const devices = installedStores().devices;
    for (const id of [...Object.keys(tiers), 'a1']) {
      const device = (await devices.get(tenantId, id))!;
      await devices.recordVerified(
        device,
        { takenAt: new Date(clock.time - hour / 2), name: `pt-${id}` },
        clock.now(),
      );
    }
    expect((await devices.get(tenantId, 'u1'))?.licensed).toBe(false);
    // a1 is held by an earlier activation.
    const claimed = await devices.claimAllForRecovery(tenantId, [
      {
        deviceId: 'a1',
        recovery: {
          activationId: `act-${'0'.repeat(24)}`,
          state: 'recovering',
          backupRegion: 'northeurope',
          since: clock.now().toISOString(),
        },
      },
    ]);
    expect([...claimed]).toEqual(['a1']);
  }, 120_000);
  afterAll(async () => await env?.close());

  it('answers what the activation would do: the first list, then the scope in waves, each skip with its reason', async () => {
    const response = await preview({
      scope: { kind: 'region', region: 'westeurope' },
      recoverFirst: ['p5', 'ghost'],
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({
      complete: true,
      total: 10,
      toRecover: 6,
      skipped: { 'not-found': 1, 'already-active': 1, 'no-verified-restore-point': 1, unlicensed: 1 },
      waves: [
        { wave: 0, label: 'recover-first', devices: 1 },
        { wave: 1, label: 'tier-1', devices: 2 },
        { wave: 2, label: 'tier-2', devices: 2 },
        { wave: 3, label: 'tier-3', devices: 1 },
      ],
      // Planning's order: the first list, then the scope by id.
      skippedDevices: [
        { deviceId: 'ghost', reason: 'not-found' },
        { deviceId: 'a1', reason: 'already-active' },
        { deviceId: 'n1', reason: 'no-verified-restore-point' },
        { deviceId: 'u1', reason: 'unlicensed' },
      ],
      skippedDevicesNotListed: 0,
    });
  });

  it('previews tiers of a region and a device list the same way', async () => {
    const tiered = await preview({ scope: { kind: 'tiers', tiers: [2], region: 'westeurope' } });
    expect(tiered.status, tiered.text).toBe(200);
    expect(tiered.body).toMatchObject({
      total: 3,
      toRecover: 2,
      skipped: { unlicensed: 1 },
      waves: [{ wave: 2, label: 'tier-2', devices: 2 }],
    });
    const listed = await preview({ scope: { kind: 'devices', deviceIds: ['p1', 'u1', 'ghost-2'] } });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body).toMatchObject({
      complete: true,
      total: 3,
      toRecover: 1,
      skipped: { unlicensed: 1, 'not-found': 1 },
      waves: [{ wave: 1, label: 'tier-1', devices: 1 }],
    });
  });

  it('creates and changes nothing: no activation, no task, no claim; the request alone is audited', async () => {
    const before = await stateSnapshot();
    const response = await preview({ scope: { kind: 'region', region: 'westeurope' }, recoverFirst: ['p1'] });
    expect(response.status, response.text).toBe(200);
    expect(await stateSnapshot()).toEqual(before);
    const activations = await call(api('/activations'), { token: reader });
    expect(activations.body.items).toEqual([]);
    // Outage mode is the activation's, not the preview's.
    expect((await installedStores().tenants.get(tenantId))?.regionsInOutage).toEqual([]);

    const trail = await call(api('/audit?pageSize=1000'), { token: reader });
    expect(trail.status, trail.text).toBe(200);
    const records = trail.body.records as { action: string; correlationId: string; outcome: string }[];
    const own = records.filter((r) => r.correlationId === response.headers.get('x-correlation-id'));
    expect(own.map((r) => [r.action, r.outcome])).toEqual([['previewActivation', 'succeeded']]);
    expect(records.map((r) => r.action)).not.toContain('activateRecovery');
    expect(records.map((r) => r.action)).not.toContain('activation.started');
  });

  it('lists at most the first skipped devices and counts the rest', async () => {
    const preview = new ActivationPreview(
      {
        devices: installedStores().devices,
        tenants: services().tenants,
        knownRegions: new Set(['westeurope', 'northeurope']),
        clock,
      },
      { pageSize: 2, listedSkips: 2 },
    );
    const result = await preview.preview({
      tenantId,
      scope: { kind: 'region', region: 'westeurope' },
      recoverFirst: ['ghost-1', 'ghost-2', 'ghost-3'],
    });
    expect(result.skippedDevices.map((s) => s.deviceId)).toEqual(['ghost-1', 'ghost-2']);
    expect(result.skippedDevicesNotListed).toBe(4);
    expect(result.total).toBe(12);
  });

  it('stops reading when its time is up and says the counts are of what was read', async () => {
    const wall = { time: 0, now: () => new Date((wall.time += 1_000)) };
    const preview = new ActivationPreview(
      {
        devices: installedStores().devices,
        tenants: services().tenants,
        knownRegions: new Set(['westeurope']),
        clock,
      },
      { pageSize: 2, budgetInMs: 1_500, wallClock: wall },
    );
    const result = await preview.preview({
      tenantId,
      scope: { kind: 'region', region: 'westeurope' },
      recoverFirst: [],
    });
    // Each reading of the wall clock is a second later: two pages read (the empty first list, then
    // two devices), and the budget was spent.
    expect(result.complete).toBe(false);
    expect(result.total).toBe(2);
  });

  it("answers another tenant's operator 404 and shows it nothing; its own tenant previews none of these devices", async () => {
    const intruder = await env.token(otherTenantId, ['DR.Operator', 'DR.Admin']);
    const body = { scope: { kind: 'region', region: 'westeurope' }, recoverFirst: ['p1'] };
    // Another tenant's resources answer as missing ones do.
    const refused = await expectRefused(async () => await preview(body, intruder), 404);
    for (const id of ['p1', 'a1', 'u1', 'ghost']) expect(refused.text).not.toContain(`"${id}"`);
    expect(refused.text).not.toContain('toRecover');
    const own = await preview({ scope: { kind: 'region', region: 'westeurope' } }, intruder, otherTenantId);
    expect(own.status, own.text).toBe(200);
    expect(own.body).toMatchObject({ complete: true, total: 0, toRecover: 0, skippedDevices: [] });
    // A reader may not preview: previewing is planning an activation.
    await expectRefused(async () => await preview(body, reader), 403);
  });

  it('refuses bad input naming the field, changing nothing', async () => {
    const tier = await expectRefused(
      async () => await preview({ scope: { kind: 'tiers', tiers: [11] } }),
      400,
      'body.scope.tiers.0',
    );
    expect(fields(tier)).toEqual(['body.scope.tiers.0']);
    await expectRefused(
      async () => await preview({ scope: { kind: 'region', region: 'francecentral' } }),
      400,
      'body.scope.region',
    );
    await expectRefused(
      async () =>
        await preview({ scope: { kind: 'region', region: 'westeurope' }, recoverFirst: ['p1', 'p1'] }),
      400,
      'body.recoverFirst',
    );
  });
});
