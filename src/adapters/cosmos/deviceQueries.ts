/**
 * Every query the device store sends, in one place beside the indexes that serve them
 * (`Indexing.devices` in ./containers). Queries of one tenant's partition also name
 * the tenant: Cosmos DB scopes them by the partition key anyway, and the embedded emulator does not.
 * The timers' queries span tenants; each filters on equality fields then one range, in the order
 * of a composite index, so a tick reads what is due, not the fleet (test/adapters/cosmos/queryShape).
 */
import type { SqlParameter, SqlQuerySpec } from '@azure/cosmos';
import type { DeviceFilter } from '../../ports/DeviceRegistry';

/** Scheduled devices whose next restore point is due, soonest first. */
export function dueQuery(now: Date): SqlQuerySpec {
  return {
    // The equality fields lead the ORDER BY too: only then does the composite index serve the sort.
    query:
      "SELECT * FROM c WHERE c.type = 'device' AND c.scheduled = true AND c.nextDueAtMs <= @now ORDER BY c.type, c.scheduled, c.nextDueAtMs",
    parameters: [{ name: '@now', value: now.getTime() }],
  };
}

/** Scheduled devices with an RPO transition to announce (`announceAtMs`, see ./deviceDocument). */
export function transitionsQuery(now: Date, pageSize: number): SqlQuerySpec {
  return {
    query: `SELECT TOP ${Math.floor(pageSize)} * FROM c WHERE c.type = 'device' AND c.scheduled = true AND c.announceAtMs <= @now`,
    parameters: [{ name: '@now', value: now.getTime() }],
  };
}

/** This region's histogram shards the compactor is due to look at. */
export function compactionQuery(region: string, now: Date): SqlQuerySpec {
  return {
    query: "SELECT * FROM c WHERE c.type = 'histogram' AND c.region = @region AND c.compactAtMs <= @now",
    parameters: [
      { name: '@region', value: region },
      { name: '@now', value: now.getTime() },
    ],
  };
}

export function histogramsQuery(tenantId: string): SqlQuerySpec {
  return {
    query: "SELECT * FROM c WHERE c.tenantId = @tenant AND c.type = 'histogram'",
    parameters: [{ name: '@tenant', value: tenantId }],
  };
}

/**
 * Devices of one policy in one primary region, counted (`SELECT VALUE COUNT(1)`): licensed or not,
 * and with their last verified point never, or at or after `verifiedSinceMs`. Equality fields then
 * one range, in the order of their composite index: the count is answered from the index.
 */
export function regionCountQuery(
  tenantId: string,
  of: { policyId: string; primaryRegion: string },
  licensed?: boolean,
  verified?: 'never' | { sinceMs: number },
): SqlQuerySpec {
  const conditions = [
    'c.tenantId = @tenant',
    "c.type = 'device'",
    'c.primaryRegion = @region',
    'c.policyId = @policy',
  ];
  const parameters: SqlParameter[] = [
    { name: '@tenant', value: tenantId },
    { name: '@region', value: of.primaryRegion },
    { name: '@policy', value: of.policyId },
  ];
  if (licensed !== undefined) conditions.push(`c.licensed = ${licensed}`);
  if (verified === 'never') conditions.push('c.lastVerifiedAtMs = null');
  else if (verified) {
    conditions.push('c.lastVerifiedAtMs >= @since');
    parameters.push({ name: '@since', value: verified.sinceMs });
  }
  return { query: `SELECT VALUE COUNT(1) FROM c WHERE ${conditions.join(' AND ')}`, parameters };
}

export function byPolicyQuery(tenantId: string, policyId: string): SqlQuerySpec {
  return {
    query: "SELECT * FROM c WHERE c.tenantId = @tenant AND c.type = 'device' AND c.policyId = @policy",
    parameters: [
      { name: '@tenant', value: tenantId },
      { name: '@policy', value: policyId },
    ],
  };
}

export function countByPolicyQuery(tenantId: string, policyId: string, primaryRegion?: string): SqlQuerySpec {
  const parameters: SqlParameter[] = [
    { name: '@tenant', value: tenantId },
    { name: '@policy', value: policyId },
  ];
  let query =
    "SELECT VALUE COUNT(1) FROM c WHERE c.tenantId = @tenant AND c.type = 'device' AND c.policyId = @policy";
  if (primaryRegion) {
    query += ' AND c.primaryRegion = @region';
    parameters.push({ name: '@region', value: primaryRegion });
  }
  return { query, parameters };
}

/** Unlicensed devices, oldest first: the order licences are handed out in. */
export function waitingQuery(tenantId: string): SqlQuerySpec {
  return {
    query:
      "SELECT * FROM c WHERE c.tenantId = @tenant AND c.type = 'device' AND c.licensed = false ORDER BY c.type, c.licensed, c.createdAt",
    parameters: [{ name: '@tenant', value: tenantId }],
  };
}

export function byUpnQuery(tenantId: string, upn: string): SqlQuerySpec {
  return {
    query: "SELECT * FROM c WHERE c.tenantId = @tenant AND c.type = 'device' AND LOWER(c.upn) = @upn",
    parameters: [
      { name: '@tenant', value: tenantId },
      { name: '@upn', value: upn.toLowerCase() },
    ],
  };
}

/**
 * A tenant's devices matching the filter, by id (the default) or by last verified point, oldest
 * first with never verified before all (null sorts before numbers), then by id: the device list,
 * the compliance rows and their export. The id after the time makes the order total, so pages
 * resume exactly where they ended; that two-field ORDER BY needs its composite index (./containers).
 */
export function filterQuery(tenantId: string, filter: DeviceFilter, now: Date): SqlQuerySpec {
  const conditions = ['c.tenantId = @tenant', "c.type = 'device'"];
  const parameters: SqlParameter[] = [
    { name: '@tenant', value: tenantId },
    { name: '@now', value: now.getTime() },
  ];
  if (filter.policyId) {
    conditions.push('c.policyId = @policy');
    parameters.push({ name: '@policy', value: filter.policyId });
  }
  if (filter.primaryRegion) {
    conditions.push('c.primaryRegion = @region');
    parameters.push({ name: '@region', value: filter.primaryRegion });
  }
  if (filter.priorityTier !== undefined) {
    conditions.push('c.priorityTier = @tier');
    parameters.push({ name: '@tier', value: filter.priorityTier });
  }
  const protectable = 'c.licensed = true AND c.protection.enabled = true';
  switch (filter.status) {
    case 'unlicensed':
      conditions.push('c.licensed = false');
      break;
    case 'disabled':
      conditions.push('c.licensed = true AND c.protection.enabled = false');
      break;
    case 'not-yet-protected':
      conditions.push(`${protectable} AND IS_NULL(c.lastVerifiedAtMs)`);
      break;
    case 'protected':
      conditions.push(`${protectable} AND c.lastVerifiedAtMs >= @now - c.rpoMs`);
      break;
    case 'at-risk':
      conditions.push(
        `${protectable} AND c.lastVerifiedAtMs < @now - c.rpoMs AND c.lastVerifiedAtMs >= @now - 2 * c.rpoMs`,
      );
      break;
    case 'breached':
      conditions.push(`${protectable} AND c.lastVerifiedAtMs < @now - 2 * c.rpoMs`);
      break;
    case undefined:
      break;
  }
  const order = filter.sort === 'lastVerifiedAt' ? 'c.type, c.lastVerifiedAtMs, c.id' : 'c.id';
  return { query: `SELECT * FROM c WHERE ${conditions.join(' AND ')} ORDER BY ${order}`, parameters };
}
