/** The audit log against Azurite's table service: two regions' tables, read merged. */
import { TableClient } from '@azure/data-tables';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { TableAuditLog, auditTableName } from '../../../src/adapters/tables/TableAuditLog';
import { platformAuditPartition, type AuditRecord, type NewAuditRecord } from '../../../src/domain/audit';
import { RuleViolationError, UnavailableError } from '../../../src/domain/errors';
import { azuriteConnectionString, regionAccounts } from '../../../src/local/localSettings';

const regions = ['westeurope', 'northeurope'] as const;

function tableOf(region: (typeof regions)[number], table = auditTableName): TableClient {
  const connection = azuriteConnectionString(regionAccounts[region]!, { ...inject('emulators'), http: 0 });
  return TableClient.fromConnectionString(connection, table, { allowInsecureConnection: true });
}

function record(tenantId: string, action: string, i: number): NewAuditRecord {
  return {
    tenantId,
    actor: { kind: 'user', objectId: `oid-${i}`, upn: `user${i}@contoso.test` },
    action,
    target: `tenants/${tenantId}/devices/d${i}`,
    outcome: i % 3 === 0 ? 'refused' : 'succeeded',
    status: i % 3 === 0 ? 400 : 200,
    ...(i % 3 === 0 ? { detail: 'invalid-request' } : {}),
    correlationId: `corr-${i}`,
  };
}

async function allPages(log: TableAuditLog, tenantId: string, pageSize: number, filter = {}) {
  const pages: AuditRecord[][] = [];
  let continuationToken: string | undefined;
  do {
    const page = await log.list(tenantId, filter, {
      pageSize,
      ...(continuationToken ? { continuationToken } : {}),
    });
    pages.push(page.items);
    continuationToken = page.continuationToken;
  } while (continuationToken && pages.length < 100);
  return pages;
}

describe('TableAuditLog', () => {
  const tables = new Map(regions.map((region) => [region, tableOf(region)]));
  const west = new TableAuditLog('westeurope', tables);
  const north = new TableAuditLog('northeurope', tables);
  const tenantId = randomUUID();
  const start = Date.parse('2026-11-01T10:00:00.000Z');
  const written: AuditRecord[] = [];

  beforeAll(async () => {
    // Eleven records a second apart, the regions taking turns, plus one in another tenant.
    for (let i = 0; i < 11; i++) {
      const log = i % 2 === 0 ? west : north;
      written.push(
        await log.append(
          record(tenantId, i < 8 ? 'putDevice' : 'deleteDevice', i),
          new Date(start + i * 1000),
        ),
      );
    }
    await west.append(record(randomUUID(), 'putDevice', 99), new Date(start + 5_500));
  });

  it('keeps what was appended, with the writing region and time', () => {
    expect(written[1]).toMatchObject({
      ...record(tenantId, 'putDevice', 1),
      region: 'northeurope',
      at: new Date(start + 1000).toISOString(),
    });
    expect(new Set(written.map((r) => r.id)).size).toBe(11);
  });

  it("keeps a security record's address, count and caller's tenant, in the platform partition alone", async () => {
    const correlationId = `security-${randomUUID()}`;
    const appended = await west.append(
      {
        tenantId: platformAuditPartition,
        actor: { kind: 'application', objectId: 'oid-b', tenantId: 'b7c1e0f2-4d3a-4b5c-9e8f-1a2b3c4d5e6f' },
        action: 'deletePolicy',
        target: `tenants/${tenantId}/policies/p1`,
        outcome: 'refused',
        status: 404,
        detail: 'not-found',
        correlationId,
        source: '198.51.100.7',
        count: 42,
      },
      new Date(),
    );
    const [read] = (await west.list(platformAuditPartition, {}, { pageSize: 1000 })).items.filter(
      (r) => r.correlationId === correlationId,
    );
    expect(read).toEqual(appended);
    expect(read).toMatchObject({
      source: '198.51.100.7',
      count: 42,
      actor: { tenantId: expect.any(String) },
    });
    expect((await allPages(west, tenantId, 1000)).flat().map((r) => r.correlationId)).not.toContain(
      correlationId,
    );
  });

  it("merges both regions' records newest first, page by page, each exactly once", async () => {
    const pages = await allPages(west, tenantId, 3);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 3, 2]);
    expect(pages.flat()).toEqual([...written].reverse());
    // Either region reads the same merged trail.
    expect((await allPages(north, tenantId, 4)).flat()).toEqual([...written].reverse());
  });

  it('filters by time (from inclusive, to exclusive) and by action', async () => {
    const from = new Date(start + 3_000);
    const to = new Date(start + 9_000);
    const inWindow = (await allPages(west, tenantId, 2, { from, to })).flat();
    expect(inWindow.map((r) => r.at)).toEqual(
      [8, 7, 6, 5, 4, 3].map((s) => new Date(start + s * 1000).toISOString()),
    );

    const deletes = (await allPages(west, tenantId, 10, { action: 'deleteDevice', to })).flat();
    expect(deletes.map((r) => r.correlationId)).toEqual(['corr-8']);
  });

  it('refuses a continuation token it did not issue, naming the field', async () => {
    for (const token of ['not json', '{"after":{"atlantis":null}}', '{"after":{"westeurope":5}}', '[]']) {
      const refusal = await west
        .list(tenantId, {}, { pageSize: 2, continuationToken: token })
        .catch((e: unknown) => e);
      expect(refusal, token).toBeInstanceOf(RuleViolationError);
      expect((refusal as RuleViolationError).field).toBe('query.continuationToken');
    }
  });

  it('reads a region whose table does not exist yet as empty, and one it cannot reach as unavailable', async () => {
    const table = `audit${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const fresh = new TableAuditLog(
      'westeurope',
      new Map([
        ['westeurope', tableOf('westeurope', table)],
        ['northeurope', tableOf('northeurope', table)],
      ]),
    );
    const appended = await fresh.append(record(tenantId, 'putPolicy', 1), new Date(start));
    expect((await fresh.list(tenantId, {}, { pageSize: 5 })).items).toEqual([appended]);

    const unreachable = new TableAuditLog(
      'westeurope',
      new Map([
        ['westeurope', tableOf('westeurope')],
        [
          'northeurope',
          new TableClient('http://127.0.0.1:1/drnortheurope', auditTableName, {
            allowInsecureConnection: true,
            retryOptions: { maxRetries: 0 },
          }),
        ],
      ]),
    );
    await expect(unreachable.list(tenantId, {}, { pageSize: 5 })).rejects.toBeInstanceOf(UnavailableError);
  });
});
