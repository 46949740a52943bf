import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http';
import { stateSnapshot } from '../support/stateSnapshot';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

describe('tenants API', () => {
  let env: TestEnvironment;
  let admin: string;
  const tenantId = randomUUID();
  const url = () => `${env.baseUrl}/tenants/${tenantId}`;
  const valid = { name: 'Contoso', licences: 100, allowedBackupRegions: ['northeurope'] };

  beforeAll(async () => {
    env = await startTestEnvironment();
    admin = await env.token(tenantId, ['DR.Admin']);
  });
  afterAll(async () => await env.close());

  it('answers 404 for a tenant not yet created', async () => {
    const response = await call(url(), { token: admin });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ code: 'not-found', status: 404 });
    expect(response.body.correlationId).toBe(response.headers.get('x-correlation-id'));
  });

  it('refuses If-Match on a tenant that does not exist (412), creating nothing', async () => {
    const other = randomUUID();
    const response = await call(`${env.baseUrl}/tenants/${other}`, {
      method: 'PUT',
      token: await env.token(other, ['DR.Admin']),
      json: valid,
      headers: { 'if-match': '"anything"' },
    });
    expect(response.status).toBe(412);
    expect(
      (await call(`${env.baseUrl}/tenants/${other}`, { token: await env.token(other, ['DR.Admin']) })).status,
    ).toBe(404);
  });

  it('creates with PUT (201), reads it back with an ETag, and replaces with PUT (200)', async () => {
    const created = await call(url(), { method: 'PUT', token: admin, json: valid });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: tenantId, ...valid });
    expect(created.headers.get('etag')).toBeTruthy();

    const read = await call(url(), { token: await env.token(tenantId, ['DR.Reader']) });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);

    const updated = await call(url(), { method: 'PUT', token: admin, json: { ...valid, licences: 250 } });
    expect(updated.status).toBe(200);
    expect(updated.body.licences).toBe(250);
    expect(updated.body.createdAt).toBe(created.body.createdAt);
    expect(updated.headers.get('etag')).not.toBe(created.headers.get('etag'));
  });

  // Found by the fuzz suite: the upper-case spelling passed the tenant check and made a second tenant.
  it('takes the tenant id in any case as the same tenant', async () => {
    const upper = `${env.baseUrl}/tenants/${tenantId.toUpperCase()}`;
    const before = await stateSnapshot();
    const updated = await call(upper, { method: 'PUT', token: admin, json: { ...valid, licences: 250 } });
    expect(updated.status).toBe(200);
    expect(updated.body.id).toBe(tenantId);
    expect((await call(upper, { token: admin })).body.id).toBe(tenantId);
    expect((await stateSnapshot())['tenants']!.map((t: any) => t.id)).toEqual(
      before['tenants']!.map((t: any) => t.id),
    );
  });

  it('refuses an update with a stale If-Match (412) and keeps the newer data', async () => {
    const current = await call(url(), { token: admin });
    const etag = current.headers.get('etag')!;
    const first = await call(url(), {
      method: 'PUT',
      token: admin,
      json: { ...valid, name: 'First' },
      headers: { 'if-match': etag },
    });
    expect(first.status).toBe(200);
    const stale = await call(url(), {
      method: 'PUT',
      token: admin,
      json: { ...valid, name: 'Second' },
      headers: { 'if-match': etag },
    });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('precondition-failed');
    expect((await call(url(), { token: admin })).body.name).toBe('First');
  });

  it.each([
    ['a missing name', { licences: 1, allowedBackupRegions: ['northeurope'] }, 'body.name'],
    ['negative licences', { ...valid, licences: -1 }, 'body.licences'],
    ['fractional licences', { ...valid, licences: 1.5 }, 'body.licences'],
    [
      'a malformed region',
      { ...valid, allowedBackupRegions: ['North Europe'] },
      'body.allowedBackupRegions.0',
    ],
    [
      'a repeated region',
      { ...valid, allowedBackupRegions: ['northeurope', 'northeurope'] },
      'body.allowedBackupRegions',
    ],
    [
      'a region without storage here',
      { ...valid, allowedBackupRegions: ['northeurope', 'australiaeast'] },
      'body.allowedBackupRegions.1',
    ],
    ['an unknown field', { ...valid, owner: 'me' }, 'body.owner'],
    ['an overlong name', { ...valid, name: 'x'.repeat(300) }, 'body.name'],
  ])('refuses %s with 400 naming %s, and writes nothing', async (_what, body, field) => {
    const before = await stateSnapshot();
    const response = await call(url(), { method: 'PUT', token: admin, json: body });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await stateSnapshot()).toEqual(before);
  });

  it("refuses a tenant id that is not a GUID with 404 (it cannot be the caller's tenant)", async () => {
    const response = await call(`${env.baseUrl}/tenants/not-a-guid`, { token: admin });
    expect(response.status).toBe(404);
  });
});
