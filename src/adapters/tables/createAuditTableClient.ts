import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import type { Connection } from '../../config';
import type { Budgets } from '../deadlines/budgets';
import type { DependencyGuard } from '../deadlines/DependencyGuards';
import { tableDeadlinePolicy } from '../deadlines/storageDeadlinePolicies';
import { getCredential } from '../identity/credential';
import { auditTableName } from './TableAuditLog';

/**
 * The audit table in a region's storage account. The region's storage is configured by its blob
 * service URI (`REGION_STORAGE`); the table service of the same account differs only in the host:
 * `https://acct.blob.core.windows.net` → `https://acct.table.core.windows.net`.
 *
 * With a guard, every call is bounded and fails fast while the region's circuit is open (see
 * `storageDeadlinePolicies`), and the SDK's own retries fit inside a call's budget.
 */
export function createAuditTableClient(
  connection: Connection,
  deadlines?: { guard: DependencyGuard; budgets: Budgets },
): TableClient {
  const options: TableServiceClientOptions = deadlines
    ? {
        additionalPolicies: [{ policy: tableDeadlinePolicy(deadlines.guard), position: 'perCall' }],
        retryOptions: {
          maxRetries: deadlines.budgets.storageRetry.maxTries - 1,
          retryDelayInMs: deadlines.budgets.storageRetry.retryDelayInMs,
          maxRetryDelayInMs: deadlines.budgets.storageRetry.maxRetryDelayInMs,
        },
      }
    : {};
  if (connection.kind === 'connectionString') {
    // Azurite serves plain HTTP; Azure connection strings name https endpoints anyway.
    return TableClient.fromConnectionString(connection.connectionString, auditTableName, {
      ...options,
      allowInsecureConnection: true,
    });
  }
  return new TableClient(
    tableServiceUriOf(connection.endpoint),
    auditTableName,
    getCredential(connection.clientId),
    options,
  );
}

export function tableServiceUriOf(blobServiceUri: string): string {
  const url = new URL(blobServiceUri);
  const [account, service, ...rest] = url.hostname.split('.');
  if (service !== 'blob' || !account || rest.length === 0)
    throw new TypeError(`${blobServiceUri} is not a blob service URI (https://<account>.blob.<suffix>)`);
  url.hostname = [account, 'table', ...rest].join('.');
  return url.origin;
}
