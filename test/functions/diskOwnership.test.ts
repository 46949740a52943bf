/**
 * A tenant's disks are its own: the security review's cross-tenant theft (tenant A registering
 * tenant B's disk, or a restore point of B's, as its own device's disk) fails at every step, the
 * disk check tells nothing about blobs outside the tenant's scopes, and devices registered before
 * scopes existed stop being protected or recovered, saying why.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { installedStores, services } from '../../src/compositionRoot';
import type { OrchestrationClient } from '../../src/ports/OrchestrationClient';
import { createDisk, regionBlobService } from '../support/disks';
import { call, type TestResponse } from '../support/http';
import { stateSnapshot } from '../support/stateSnapshot';
import { diskScope, provisionTenant } from '../support/tenants';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

describe('disk ownership', () => {
  let env: TestEnvironment;
  const a = randomUUID();
  const b = randomUUID();
  const tokens: Record<string, string> = {};
  const api = (tenant: string, path: string) => `${env.baseUrl}/tenants/${tenant}${path}`;
  const device = (container: string, blob: string) => ({
    upn: 'ada@contoso.test',
    primaryRegion: 'westeurope',
    disk: { container, blob },
    policyId: 'std',
  });

  beforeAll(async () => {
    env = await startTestEnvironment();
    const primary = regionBlobService(env.settings, 'westeurope');
    for (const tenant of [a, b]) {
      tokens[tenant] = await env.token(tenant, ['DR.Admin']);
      await provisionTenant(env, tenant, { licences: 10, diskScopes: [diskScope('disks', tenant)] });
      const policy = await call(api(tenant, '/policies/std'), {
        method: 'PUT',
        token: tokens[tenant],
        json: { name: 'Standard', backupRegion: 'northeurope', rpoHours: 4 },
      });
      expect(policy.status).toBe(201);
    }
    // B's disk, a blob outside every scope, and a blob standing for one of B's restore points in
    // the product's own container (each region's account holds restore points of another).
    await createDisk(primary, 'disks', `${b}/victim-ceo.vhd`);
    await createDisk(primary, 'disks', 'loose.vhd');
    await createDisk(primary, 'restore-points', `${b}/ceo-pc/9999998234567`);
    await createDisk(primary, 'disks', `${a}/own.vhd`);
    await primary.getContainerClient('disks').getBlockBlobClient(`${a}/block.vhd`).upload('not a disk', 10);
  });
  afterAll(async () => await env.close());
  afterEach(() => vi.restoreAllMocks());

  /** The answer less what differs per request: the same answer whatever lies behind the name. */
  const sameness = (response: TestResponse) => {
    const { correlationId: _id, ...body } = response.body as Record<string, unknown>;
    return { status: response.status, body };
  };

  const outside = [
    ["another tenant's disk", 'disks', () => `${b}/victim-ceo.vhd`],
    ["a name under another tenant's prefix that holds no blob", 'disks', () => `${b}/nothing.vhd`],
    ['a blob outside every scope', 'disks', () => 'loose.vhd'],
    ["another tenant's restore point", 'restore-points', () => `${b}/ceo-pc/9999998234567`],
    ['a restore point name that holds no blob', 'restore-points', () => `${b}/ceo-pc/9999998000000`],
    ['a temporary device', 'temporary-devices', () => `${b}/x`],
    ["the simulated provider's blobs", 'simulated-compute', () => 'capacity.json'],
  ] as const;

  it("refuses every disk outside the tenant's scopes with one answer, makes no storage call, and writes nothing", async () => {
    const describeDisk = vi.spyOn(installedStores().disks, 'describe');
    const before = await stateSnapshot();
    const answers: TestResponse[] = [];
    for (const [what, container, blob] of outside) {
      const response = await call(api(a, `/devices/stolen`), {
        method: 'PUT',
        token: tokens[a],
        json: device(container, blob()),
      });
      expect(response.status, `${what}: ${response.text}`).toBe(400);
      expect(response.body.code).toBe('disk-not-in-scopes');
      expect(response.body.errors).toEqual([expect.objectContaining({ field: 'body.disk' })]);
      answers.push(response);
    }
    for (const answer of answers) expect(sameness(answer)).toEqual(sameness(answers[0]!));
    expect(describeDisk).not.toHaveBeenCalled();
    expect(await stateSnapshot()).toEqual(before);
  });

  it("refuses the same rows of an import the same way, row by row, and imports what is the tenant's", async () => {
    const describeDisk = vi.spyOn(installedStores().disks, 'describe');
    const rows = [
      ...outside.map(([, container, blob], i) => ({ id: `imp-${i}`, ...device(container, blob()) })),
      { id: 'imp-own', ...device('disks', `${a}/own.vhd`) },
    ];
    const response = await call(api(a, '/device-imports'), {
      method: 'POST',
      token: tokens[a],
      json: { devices: rows },
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body.created).toBe(1);
    const failed = response.body.results.filter((r: { outcome: string }) => r.outcome === 'failed');
    expect(failed).toHaveLength(outside.length);
    for (const [i, row] of failed.entries()) {
      expect(row.errors).toEqual([{ field: `body.devices.${i}.disk`, reason: failed[0].errors[0].reason }]);
    }
    // Only the tenant's own disk was looked at.
    expect(
      describeDisk.mock.calls.map(([, disk]) => (disk.kind === 'pageBlob' ? disk.blob : disk.armId)),
    ).toEqual([`${a}/own.vhd`]);
    expect((await call(api(a, '/devices/imp-0'), { token: tokens[a] })).status).toBe(404);
    expect((await call(api(b, '/devices'), { token: tokens[b] })).body.items).toEqual([]);
  });

  it('still checks existence and type inside the scopes, echoing only what the caller sent', async () => {
    const missing = await call(api(a, '/devices/missing'), {
      method: 'PUT',
      token: tokens[a],
      json: device('disks', `${a}/missing.vhd`),
    });
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('disk-not-found');
    const block = await call(api(a, '/devices/block'), {
      method: 'PUT',
      token: tokens[a],
      json: device('disks', `${a}/block.vhd`),
    });
    expect(block.status).toBe(400);
    expect(block.body.code).toBe('disk-not-page-blob');
    expect(block.text).not.toMatch(/BlockBlob/);
    const own = await call(api(a, '/devices/own'), {
      method: 'PUT',
      token: tokens[a],
      json: device('disks', `${a}/own.vhd`),
    });
    expect(own.status, own.text).toBe(201);
  });

  describe("a device registered before disk scopes existed, its disk another tenant's", () => {
    const legacy = 'legacy-pc';

    beforeAll(async () => {
      // Written as the old release wrote it: no check of whose disk it is.
      const now = new Date().toISOString();
      await installedStores().devices.register(
        {
          id: legacy,
          tenantId: a,
          upn: 'ada@contoso.test',
          primaryRegion: 'westeurope',
          disk: { kind: 'pageBlob', container: 'disks', blob: `${b}/victim-ceo.vhd` },
          policyId: 'std',
          priorityTier: 1,
          protection: { backupRegion: 'northeurope', rpoHours: 4, enabled: true },
          nextDueAt: now,
          lastVerifiedAt: now,
          lastRestorePoint: `${a}/${legacy}/0000000000001`,
          announced: 'protected',
          createdAt: now,
          updatedAt: now,
        },
        10,
      );
    });

    it('is kept, and no restore point of it is taken: a manual one is refused, a scheduled one blocked', async () => {
      const operator = await env.token(a, ['DR.Operator']);
      const manual = await call(api(a, `/devices/${legacy}/restore-points`), {
        method: 'POST',
        token: operator,
      });
      expect(manual.status).toBe(400);
      expect(manual.body.code).toBe('disk-not-in-scopes');

      const snapshot = vi.spyOn(installedStores().disks, 'snapshot');
      const outcome = await services().restorePointWorker.handle({
        tenantId: a,
        deviceId: legacy,
        takenAt: new Date().toISOString(),
        kind: 'scheduled',
        attempt: 1,
        check: 0,
      });
      expect(outcome).toBe('blocked');
      expect(snapshot).not.toHaveBeenCalled();
      const shown = await call(api(a, `/devices/${legacy}`), { token: tokens[a] });
      expect(shown.status).toBe(200);
      expect(shown.body.protectionBlocked).toEqual({
        reason: 'disk-not-in-scopes',
        since: expect.any(String),
      });
      expect(await installedStores().points.list('northeurope', a, legacy)).toEqual([]);
    });

    it('is not recovered: planning skips it with its reason', async () => {
      const noDriver: OrchestrationClient = {
        startNew: (_name, options) => Promise.resolve(options.instanceId),
        getStatus: () => Promise.resolve(undefined),
        raiseEvent: () => Promise.resolve(),
        terminate: () => Promise.resolve(),
      };
      const { activation } = await services().activations.activate(
        {
          tenantId: a,
          idempotencyKey: 'ownership',
          scope: { kind: 'devices', deviceIds: [legacy, 'own'] },
          recoverFirst: [],
          waveDeadlineMinutes: 60,
          requestedBy: 'test',
        },
        noDriver,
      );
      const input = {
        tenantId: a,
        activationId: activation.id,
        epoch: activation.owner.epoch,
        pollIntervalInMs: 1000,
      };
      let cursor;
      for (;;) {
        const step = await services().activationSteps.planPage(input, cursor);
        expect(step.stale).toBeFalsy();
        if (!('done' in step) || step.done) break;
        cursor = step.cursor;
      }
      const rows = await services().activations.devices(a, activation.id, {}, { pageSize: 10 });
      expect(Object.fromEntries(rows.items.map((r) => [r.deviceId, r.skipReason ?? r.state]))).toEqual({
        [legacy]: 'disk-not-in-scopes',
        own: 'no-verified-restore-point',
      });
    });
  });
});
