/**
 * What the portal's fleet overview reads, end to end against the Cosmos emulator and Azurite: the
 * compliance summary per primary region beside per policy, and the device list and compliance rows
 * sorted never verified first, then oldest first, paged with continuation tokens; another tenant
 * answered 404 and shown nothing; a bad sort refused by field.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installedStores, installServices } from '../../src/compositionRoot';
import { complianceStatuses } from '../../src/domain/rpo';
import { createDisk, regionBlobService } from '../support/disks';
import { call } from '../support/http';
import { expectRefused } from '../support/refusals';
import { diskScope, provisionTenant } from '../support/tenants';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

const hour = 3_600_000;

describe('fleet overview', () => {
  let env: TestEnvironment;
  let reader: string;
  const clock = { time: Date.parse('2026-07-01T10:00:00Z'), now: () => new Date(clock.time) };
  const tenantId = randomUUID();
  const api = (path: string, tenant = tenantId) => `${env.baseUrl}/tenants/${tenant}${path}`;
  const container = `fleet-${randomBytes(6).toString('hex')}`;
  /** Device → [primary region, age of its verified point (none: never verified)]. */
  const fleet: Record<string, [string, number | undefined]> = {
    w1: ['westeurope', 30 * 60_000], // protected
    w2: ['westeurope', 90 * 60_000], // at risk
    w3: ['westeurope', 5 * hour], // breached
    w4: ['westeurope', undefined], // not yet protected
    w5: ['westeurope', 3 * hour], // breached
    n1: ['northeurope', 10 * 60_000], // protected
    n2: ['northeurope', 100 * 60_000], // at risk
  };
  /** Never verified first, then oldest first; the id after equal times. */
  const oldestFirst = ['w4', 'w3', 'w5', 'n2', 'w2', 'w1', 'n1'];

  beforeAll(async () => {
    env = await startTestEnvironment();
    installServices({ clock, events: { emit: () => undefined } });
    const admin = await env.token(tenantId, ['DR.Admin']);
    reader = await env.token(tenantId, ['DR.Reader']);
    await provisionTenant(env, tenantId, {
      licences: 10,
      allowedBackupRegions: ['northeurope', 'westeurope'],
      diskScopes: [diskScope(container), diskScope(container, undefined, 'northeurope')],
    });
    const put = async (path: string, json: unknown) => {
      const response = await call(api(path), { method: 'PUT', token: admin, json });
      expect(response.status, response.text).toBeLessThan(300);
    };
    await put('/policies/to-north', { name: 'To North', backupRegion: 'northeurope', rpoHours: 1 });
    await put('/policies/to-west', { name: 'To West', backupRegion: 'westeurope', rpoHours: 1 });
    const devices = installedStores().devices;
    for (const [id, [region, age]] of Object.entries(fleet)) {
      await createDisk(regionBlobService(env.settings, region), container, `${id}.vhd`);
      await put(`/devices/${id}`, {
        upn: `${id}@contoso.test`,
        primaryRegion: region,
        disk: { container, blob: `${id}.vhd` },
        policyId: region === 'westeurope' ? 'to-north' : 'to-west',
        priorityTier: 1,
      });
      if (age === undefined) continue;
      const device = (await devices.get(tenantId, id))!;
      await devices.recordVerified(
        device,
        { takenAt: new Date(clock.time - age), name: `pt-${id}` },
        clock.now(),
      );
    }
  }, 120_000);
  afterAll(async () => await env?.close());

  it('summarises compliance per primary region beside per policy, adding up to the whole', async () => {
    const response = await call(api('/compliance?pageSize=1'), { token: reader });
    expect(response.status, response.text).toBe(200);
    const zero = Object.fromEntries(complianceStatuses.map((s) => [s, 0]));
    expect(response.body.byPrimaryRegion).toEqual([
      {
        primaryRegion: 'northeurope',
        total: 2,
        counts: { ...zero, protected: 1, 'at-risk': 1 },
      },
      {
        primaryRegion: 'westeurope',
        total: 5,
        counts: { ...zero, protected: 1, 'at-risk': 1, breached: 2, 'not-yet-protected': 1 },
      },
    ]);
    for (const status of complianceStatuses) {
      const sum = (response.body.byPrimaryRegion as { counts: Record<string, number> }[]).reduce(
        (total, region) => total + region.counts[status]!,
        0,
      );
      expect(sum, status).toBe(response.body.counts[status]);
    }
  });

  it('pages the device list oldest first, each device once and in order, over pages of three', async () => {
    const seen: string[] = [];
    let continuationToken: string | undefined;
    let pages = 0;
    do {
      const query = new URLSearchParams({ sort: 'lastVerifiedAt', pageSize: '3' });
      if (continuationToken) query.set('continuationToken', continuationToken);
      const page = await call(api(`/devices?${query.toString()}`), { token: reader });
      expect(page.status, page.text).toBe(200);
      seen.push(...(page.body.items as { id: string }[]).map((d) => d.id));
      continuationToken = page.body.continuationToken;
      pages += 1;
    } while (continuationToken);
    expect(seen).toEqual(oldestFirst);
    expect(pages).toBe(3);
    // By id, as before, when no sort is asked for.
    const byId = await call(api('/devices?pageSize=10'), { token: reader });
    expect((byId.body.items as { id: string }[]).map((d) => d.id)).toEqual([...oldestFirst].sort());
  });

  it('sorts the compliance rows too, within a status filter and in the CSV', async () => {
    const breached = await call(api('/compliance?sort=lastVerifiedAt&status=breached&pageSize=10'), {
      token: reader,
    });
    expect(breached.status, breached.text).toBe(200);
    expect((breached.body.devices as { deviceId: string }[]).map((d) => d.deviceId)).toEqual(['w3', 'w5']);
    const all = await call(api('/compliance?sort=lastVerifiedAt&pageSize=10'), { token: reader });
    expect((all.body.devices as { deviceId: string }[]).map((d) => d.deviceId)).toEqual(oldestFirst);
    const csv = await call(api('/compliance?sort=lastVerifiedAt&format=csv'), { token: reader });
    expect(csv.status, csv.text).toBe(200);
    const csvIds = csv.text
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[0]);
    expect(csvIds).toEqual(oldestFirst);
  });

  it("answers another tenant's reader 404 and shows it nothing of these devices", async () => {
    const otherTenantId = randomUUID();
    await provisionTenant(env, otherTenantId, { licences: 1 });
    const intruder = await env.token(otherTenantId, ['DR.Admin']);
    for (const path of ['/devices?sort=lastVerifiedAt', '/compliance?sort=lastVerifiedAt']) {
      const refused = await expectRefused(async () => await call(api(path), { token: intruder }), 404);
      for (const id of Object.keys(fleet)) expect(refused.text).not.toContain(`"${id}"`);
    }
    // Its own tenant: nothing of this one's leaks into its lists or counts.
    const own = await call(api('/compliance?sort=lastVerifiedAt', otherTenantId), { token: intruder });
    expect(own.status, own.text).toBe(200);
    expect(own.body).toMatchObject({ total: 0, devices: [], byPrimaryRegion: [] });
    const list = await call(api('/devices?sort=lastVerifiedAt', otherTenantId), { token: intruder });
    expect(list.body.items).toEqual([]);
  });

  it('refuses an unknown sort naming the field, changing nothing', async () => {
    for (const path of ['/devices?sort=-lastVerifiedAt', '/compliance?sort=oldest']) {
      await expectRefused(async () => await call(api(path), { token: reader }), 400, 'query.sort');
    }
  });
});
