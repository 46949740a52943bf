/**
 * The README's walkthrough flow (test/local/readmeWalkthrough.test.ts runs its literal commands) on the embedded runtime's parts (HTTP host, queue workers, orchestration
 * driver; real Azurite and the Cosmos emulator): a fleet protected with one request for its policy,
 * then an outage drill of its region. Points for a whole policy: every licensed, in-scope device of
 * the policy gets one verified point, the others are skipped with why, no other policy's device is
 * touched, and a repeated request in the same second makes no second point; with an
 * `Idempotency-Key`, a request that answered 503 after queuing part of the set is completed by its
 * retry in a later second, one point per device. The drill:
 * `percentComplete` over every poll of the activation never falls and is 100 exactly when it has
 * completed, through deactivation; a user whose device the outage skipped is told so, and why.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestorePointRequest } from '../../src/app/restorePointRequest';
import { installedStores, installServices } from '../../src/compositionRoot';
import { UnavailableError } from '../../src/domain/errors';
import { restorePointName } from '../../src/domain/restorePoint';
import type { EventLog } from '../../src/ports/EventLog';
import type { SendOptions, WorkMessage, WorkQueue } from '../../src/ports/WorkQueue';
import type { QueueName } from '../../src/queueNames';
import { createDisk, regionBlobService } from '../support/disks';
import { eventually } from '../support/eventually';
import { call } from '../support/http';
import { expectRefused } from '../support/refusals';
import { startRecoveryRuntime, type RecoveryRuntime } from '../support/recoveryRuntime';
import { diskScope, provisionTenant } from '../support/tenants';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

/** Frozen at a time (two requests in one second, whatever the machine's load), or running from it at wall-clock pace. */
class DrillClock {
  private setAt = Date.now();
  private frozen = true;
  constructor(private time: number) {}
  freeze(time: number): void {
    this.time = time;
    this.frozen = true;
  }
  run(): void {
    this.setAt = Date.now();
    this.frozen = false;
  }
  now(): Date {
    return new Date(this.frozen ? this.time : this.time + (Date.now() - this.setAt));
  }
}

/**
 * The work queue, which can stop answering a tenant's bulk request midway: past `passing` of the
 * tenant's first manual-point messages (attempt 1, check 0: what the request sends, never the
 * worker's own retries and checks), a send fails as one the work queue did not answer in time.
 */
class WorkQueueThatStopsAnswering implements WorkQueue {
  private passing: number | undefined;
  /** Ids of the tenant's messages that went through while the stop was armed. */
  readonly through: string[] = [];

  constructor(
    private readonly inner: WorkQueue,
    private readonly tenantId: string,
  ) {}

  stopAfter(messages: number | undefined): void {
    this.passing = messages;
  }

  async send<T>(queue: QueueName, messages: readonly WorkMessage<T>[], options?: SendOptions): Promise<void> {
    if (this.passing === undefined) return await this.inner.send(queue, messages, options);
    const bulk = (m: WorkMessage<T>) => {
      const body = m.body as Partial<RestorePointRequest>;
      return (
        body.tenantId === this.tenantId && body.kind === 'manual' && body.attempt === 1 && body.check === 0
      );
    };
    const passed: WorkMessage<T>[] = [];
    let held = 0;
    for (const message of messages) {
      if (!bulk(message)) passed.push(message);
      else if (this.passing > 0) {
        this.passing -= 1;
        this.through.push(message.id);
        passed.push(message);
      } else held += 1;
    }
    await this.inner.send(queue, passed, options);
    if (held > 0)
      throw new UnavailableError("work-queue (queue) did not answer before the request's deadline", {
        dependency: 'work-queue',
        retryAfterSeconds: 5,
      });
  }
}

interface Poll {
  state: string;
  percentComplete: number;
}

describe('a fleet protected by policy, then an outage drill', () => {
  let env: TestEnvironment;
  let runtime: RecoveryRuntime;
  let admin: string;
  let operator: string;
  let reader: string;
  const tenantId = randomUUID();
  const api = (path: string) => `${env.baseUrl}/tenants/${tenantId}${path}`;
  const diskContainer = `drill-${randomBytes(6).toString('hex')}`;
  const events: { event: string; properties: Record<string, unknown> }[] = [];
  const eventLog: EventLog = { emit: (event, properties) => void events.push({ event, properties }) };
  /** A whole second: every point of the request below is named from it. */
  const takenAt = Date.parse('2026-06-01T09:00:00.000Z');
  const clock = new DrillClock(takenAt);
  /** Protected by `standard`, tiers 1–3, as `npm run local:disks -- --count 3` makes them. */
  const fleet = ['cpc-0001', 'cpc-0002', 'cpc-0003'];
  /** Also `standard`: its disk's scope is taken away after registration. */
  const outOfScope = 'cpc-out';
  /** Another policy's device: the request for `standard` must not touch it. */
  const otherPolicy = 'cpc-other';
  /** Also `standard`, beyond the licences. */
  const unlicensed = 'cpc-over';
  let activationId: string;
  const polls: Poll[] = [];
  /** A tenant of its own for the keyed requests, so the drill's counts stay as they are. */
  const keyedTenantId = randomUUID();
  let keyedQueue: WorkQueueThatStopsAnswering;

  async function put(path: string, json: unknown): Promise<void> {
    const response = await call(api(path), { method: 'PUT', token: admin, json });
    expect(response.status, response.text).toBeLessThan(300);
  }

  async function register(id: string, policyId: string, tier: number, prefix = 'in'): Promise<void> {
    const blob = `${prefix}/${id}.vhd`;
    await createDisk(regionBlobService(env.settings, 'westeurope'), diskContainer, blob);
    await put(`/devices/${id}`, {
      upn: `${id}@contoso.test`,
      primaryRegion: 'westeurope',
      disk: { container: diskContainer, blob },
      policyId,
      priorityTier: tier,
    });
  }

  const pointsOf = (id: string) => installedStores().points.list('northeurope', tenantId, id);

  async function report(): Promise<any> {
    const response = await call(api(`/activations/${activationId}`), { token: reader });
    expect(response.status, response.text).toBe(200);
    polls.push({ state: response.body.state, percentComplete: response.body.percentComplete });
    return response.body;
  }

  async function drStatus(id: string): Promise<any> {
    const self = await env.token(tenantId, [], { upn: `${id}@contoso.test` });
    const response = await call(`${env.baseUrl}/users/${id}@contoso.test/dr-status`, { token: self });
    expect(response.status, response.text).toBe(200);
    return response.body;
  }

  beforeAll(async () => {
    env = await startTestEnvironment({ ACTIVATION_POLL_SECONDS: '1', ACTIVATION_LEASE_SECONDS: '30' });
    installServices({
      clock,
      events: eventLog,
      worker: { checkDelayInMs: 50, retryBaseDelayInMs: 20, retryMaxDelayInMs: 100, maxAttempts: 3 },
      recovery: { checkDelayInMs: 50, retryBaseDelayInMs: 20, retryMaxDelayInMs: 100 },
      storageRetry: { maxTries: 1, retryDelayInMs: 10 },
      wrapWorkQueue: (queue) => (keyedQueue = new WorkQueueThatStopsAnswering(queue, keyedTenantId)),
    });
    runtime = await startRecoveryRuntime();
    admin = await env.token(tenantId, ['DR.Admin']);
    operator = await env.token(tenantId, ['DR.Operator']);
    reader = await env.token(tenantId, ['DR.Reader']);
    const scopes = [diskScope(diskContainer, 'in'), diskScope(diskContainer, 'out')];
    await provisionTenant(env, tenantId, { licences: 5, diskScopes: scopes });
    await put('/policies/standard', { name: 'Standard', backupRegion: 'northeurope', rpoHours: 4 });
    await put('/policies/other', { name: 'Other', backupRegion: 'northeurope', rpoHours: 4 });
    await put('/policies/off', { name: 'Off', backupRegion: 'northeurope', rpoHours: 4, enabled: false });
    for (const [i, id] of fleet.entries()) await register(id, 'standard', i + 1);
    await register(outOfScope, 'standard', 1, 'out');
    await register(otherPolicy, 'other', 2);
    // The sixth device of five licences.
    await register(unlicensed, 'standard', 3);
    // The platform takes the `out` scope away: the device stays, unprotected.
    await provisionTenant(env, tenantId, { licences: 5, diskScopes: [diskScope(diskContainer, 'in')] });
  }, 120_000);

  afterAll(async () => {
    await runtime?.stop();
    await env?.close();
  });

  describe('points for every device of a policy', () => {
    let first: any;

    beforeAll(async () => {
      clock.freeze(takenAt + 400);
      const response = await call(api('/policies/standard/restore-points'), {
        method: 'POST',
        token: operator,
      });
      expect(response.status, response.text).toBe(202);
      first = response.body;
    });

    it('queues one for each licensed device whose disk is in scope, and counts the others by reason', () => {
      expect(first).toMatchObject({
        policyId: 'standard',
        takenAt: new Date(takenAt).toISOString(),
        queued: fleet.length,
        skipped: 2,
        skippedByReason: { 'disk-not-in-scopes': 1, 'device-unlicensed': 1, 'policy-disabled': 0 },
      });
      expect(
        [...first.skippedDevices].sort((a: any, b: any) => a.deviceId.localeCompare(b.deviceId)),
      ).toEqual([
        { deviceId: outOfScope, reason: 'disk-not-in-scopes' },
        { deviceId: unlicensed, reason: 'device-unlicensed' },
      ]);
    });

    it('answers a repeated request in the same second alike, and it makes no second point', async () => {
      clock.freeze(takenAt + 900);
      const again = await call(api('/policies/standard/restore-points'), { method: 'POST', token: operator });
      expect(again.status, again.text).toBe(202);
      expect(again.body).toEqual(first);
      clock.run();
      await eventually(
        async () => {
          const devices = await Promise.all(fleet.map((id) => installedStores().devices.get(tenantId, id)));
          return devices.filter((d) => d?.lastVerifiedAt && !d.pending).length;
        },
        (verified) => verified === fleet.length,
        { timeoutMs: 30_000 },
      );
      for (const id of fleet) {
        const points = await pointsOf(id);
        expect(points, id).toHaveLength(1);
        expect(points[0], id).toMatchObject({
          name: restorePointName(tenantId, id, new Date(takenAt)),
          kind: 'manual',
          verified: true,
        });
        const device = (await call(api(`/devices/${id}`), { token: reader })).body;
        expect(device, id).toMatchObject({ status: 'protected', lastRestorePoint: points[0]!.name });
      }
    }, 60_000);

    it("takes none of a skipped device or another policy's device", async () => {
      // Time for a message wrongly sent with the others to have been worked.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      for (const id of [outOfScope, unlicensed, otherPolicy]) {
        expect(await pointsOf(id), id).toEqual([]);
        const device = await installedStores().devices.get(tenantId, id);
        expect(device?.lastVerifiedAt, id).toBeUndefined();
        expect(device?.pending, id).toBeUndefined();
      }
      expect(events.filter((e) => String(e.properties['deviceId']) === otherPolicy)).toEqual([]);
    });

    it('refuses a disabled policy and answers an unknown one as not found', async () => {
      const off = await call(api('/policies/off/restore-points'), { method: 'POST', token: operator });
      expect(off.status, off.text).toBe(400);
      expect(off.body).toMatchObject({ code: 'policy-disabled' });
      const unknown = await call(api('/policies/nope/restore-points'), { method: 'POST', token: operator });
      expect(unknown.status, unknown.text).toBe(404);
      const asReader = await call(api('/policies/standard/restore-points'), {
        method: 'POST',
        token: reader,
      });
      expect(asReader.status).toBe(403);
    });
  });

  describe('points for every device of a policy, with an idempotency key', () => {
    const keyedAt = takenAt + 120_000;
    const keyed = ['key-0001', 'key-0002', 'key-0003', 'key-0004', 'key-0005', 'key-0006'];
    const keyedApi = (path: string) => `${env.baseUrl}/tenants/${keyedTenantId}${path}`;
    let keyedAdmin: string;
    let keyedOperator: string;
    const bulk = (policyId: string, key?: string) =>
      call(keyedApi(`/policies/${policyId}/restore-points`), {
        method: 'POST',
        token: keyedOperator,
        ...(key === undefined ? {} : { headers: { 'idempotency-key': key } }),
      });

    beforeAll(async () => {
      keyedAdmin = await env.token(keyedTenantId, ['DR.Admin']);
      keyedOperator = await env.token(keyedTenantId, ['DR.Operator']);
      await provisionTenant(env, keyedTenantId, {
        licences: 10,
        diskScopes: [diskScope(diskContainer, 'keyed')],
      });
      for (const policyId of ['keyed', 'keyed-other']) {
        const response = await call(keyedApi(`/policies/${policyId}`), {
          method: 'PUT',
          token: keyedAdmin,
          json: { name: policyId, backupRegion: 'northeurope', rpoHours: 4 },
        });
        expect(response.status, response.text).toBe(201);
      }
      for (const [i, id] of keyed.entries()) {
        const blob = `keyed/${id}.vhd`;
        await createDisk(regionBlobService(env.settings, 'westeurope'), diskContainer, blob);
        const response = await call(keyedApi(`/devices/${id}`), {
          method: 'PUT',
          token: keyedAdmin,
          json: {
            upn: `${id}@contoso.test`,
            primaryRegion: 'westeurope',
            disk: { container: diskContainer, blob },
            policyId: 'keyed',
            priorityTier: (i % 3) + 1,
          },
        });
        expect(response.status, response.text).toBe(201);
      }
    }, 60_000);

    it('answers 503 when the work queue stops answering midway, and its retry in a later second completes the set, one point per device', async () => {
      clock.freeze(keyedAt + 300);
      keyedQueue.stopAfter(2);
      const failed = await bulk('keyed', 'keyed-points-1');
      keyedQueue.stopAfter(undefined);
      expect(failed.status, failed.text).toBe(503);
      expect(failed.body).toMatchObject({ code: 'dependency-unavailable' });
      expect(failed.headers.get('retry-after')).toBeTruthy();
      // Part of the set went out before the failure: those points are taken whatever the answer.
      expect(keyedQueue.through).toHaveLength(2);

      // Seconds later: without the key's record this would be a second point of those two devices.
      clock.freeze(keyedAt + 5_700);
      const retried = await bulk('keyed', 'keyed-points-1');
      expect(retried.status, retried.text).toBe(202);
      expect(retried.body).toMatchObject({
        policyId: 'keyed',
        takenAt: new Date(keyedAt).toISOString(),
        queued: keyed.length,
        skipped: 0,
      });
      clock.run();
      await eventually(
        async () => {
          const devices = await Promise.all(
            keyed.map((id) => installedStores().devices.get(keyedTenantId, id)),
          );
          return devices.filter((d) => d?.lastVerifiedAt && !d.pending).length;
        },
        (verified) => verified === keyed.length,
        { timeoutMs: 30_000 },
      );
      for (const id of keyed) {
        const points = await installedStores().points.list('northeurope', keyedTenantId, id);
        expect(
          points.map((p) => p.name),
          id,
        ).toEqual([restorePointName(keyedTenantId, id, new Date(keyedAt))]);
        expect(points[0], id).toMatchObject({ kind: 'manual', verified: true });
      }

      // Once more with the key, all of it done: the same answer, and still one point each.
      const again = await bulk('keyed', 'keyed-points-1');
      expect(again.status, again.text).toBe(202);
      expect(again.body).toEqual(retried.body);
    }, 60_000);

    it('refuses the key reused for another policy, changing nothing', async () => {
      const reused = await expectRefused(() => bulk('keyed-other', 'keyed-points-1'), 409);
      expect(reused.body).toMatchObject({ code: 'idempotency-key-reused' });
      expect(reused.body.detail ?? reused.text).toContain('keyed');
    });

    it('refuses a bad key, naming the header, changing nothing', async () => {
      for (const key of ['has space', 'x'.repeat(129), '', 'slash/inside']) {
        const refused = await expectRefused(() => bulk('keyed', key), 400, 'headers.Idempotency-Key');
        expect(refused.body, JSON.stringify(key)).toMatchObject({ code: 'invalid-idempotency-key' });
      }
    });
  });

  describe('an outage drill of the region', () => {
    beforeAll(async () => {
      const response = await call(api('/activations'), {
        method: 'POST',
        token: operator,
        headers: { 'idempotency-key': `drill-${randomUUID()}` },
        json: { scope: { kind: 'region', region: 'westeurope' }, recoverFirst: ['cpc-0003', 'cpc-0001'] },
      });
      expect(response.status, response.text).toBe(202);
      activationId = response.body.id;
      // Every poll counts, as fast as the status answers.
      await eventually(report, (r) => r.state === 'completed', { timeoutMs: 60_000, intervalMs: 20 });
    }, 90_000);

    it('recovers every device with a point, and skips the others with why', async () => {
      const done = await report();
      expect(done.counts).toMatchObject({ recovered: 3, skipped: 3 });
      expect(done.total).toBe(6);
      const rows = (await call(api(`/activations/${activationId}/devices?state=skipped`), { token: reader }))
        .body.items;
      expect(Object.fromEntries(rows.map((r: any) => [r.deviceId, r.skipReason]))).toEqual({
        [outOfScope]: 'disk-not-in-scopes',
        [otherPolicy]: 'no-verified-restore-point',
        [unlicensed]: 'unlicensed',
      });
    });

    it('shows percentComplete never falling, and 100 exactly when completed', () => {
      expect(polls.length).toBeGreaterThan(3);
      const percents = polls.map((p) => p.percentComplete);
      for (let i = 1; i < percents.length; i += 1)
        expect(percents[i], `poll ${i}: ${JSON.stringify(polls)}`).toBeGreaterThanOrEqual(percents[i - 1]!);
      for (const poll of polls)
        expect(poll.percentComplete === 100, JSON.stringify(poll)).toBe(poll.state === 'completed');
      // Progress on the way, not only at the end.
      expect(percents.some((p) => p > 0 && p < 100)).toBe(true);
    });

    it('tells a user whose device was skipped that it was not recovered, and why', async () => {
      const skipped = await drStatus(otherPolicy);
      expect(skipped).toMatchObject({
        status: 'not-recovered',
        devices: [
          {
            deviceId: otherPolicy,
            status: 'not-recovered',
            reason: 'skipped: no-verified-restore-point',
            activationId,
          },
        ],
      });
      expect(skipped.message).toContain('was not recovered');
      expect(skipped.message).toContain('no verified restore point');
      expect((await drStatus(unlicensed)).devices[0]).toMatchObject({ reason: 'skipped: unlicensed' });
      expect((await drStatus(outOfScope)).devices[0]).toMatchObject({
        reason: 'skipped: disk-not-in-scopes',
      });
      expect(await drStatus('cpc-0001')).toMatchObject({ status: 'on-temporary-device' });
    });

    it('keeps 100 through deactivation, and the users are back to normal', async () => {
      const before = polls.length;
      const response = await call(api(`/activations/${activationId}/deactivate`), {
        method: 'POST',
        token: operator,
      });
      expect(response.status, response.text).toBe(202);
      const done = await eventually(report, (r) => r.state === 'deactivated', {
        timeoutMs: 60_000,
        intervalMs: 20,
      });
      expect(done.counts).toMatchObject({ released: 3, skipped: 3 });
      const during = polls.slice(before);
      expect(during.map((p) => p.percentComplete)).toEqual(during.map(() => 100));
      for (const id of [otherPolicy, 'cpc-0001']) expect((await drStatus(id)).status, id).toBe('normal');
    }, 90_000);
  });
});
