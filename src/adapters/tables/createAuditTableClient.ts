import { TableClient } from '@azure/data-tables';
import type { Connection } from '../../config';
import { getCredential } from '../identity/credential';
import { auditTableName } from './TableAuditLog';

/**
 * The audit table in a region's storage account. The region's storage is configured by its blob
 * service URI (`REGION_STORAGE`); the table service of the same account differs only in the host:
 * `https://acct.blob.core.windows.net` → `https://acct.table.core.windows.net`.
 */
export function createAuditTableClient(connection: Connection): TableClient {
  if (connection.kind === 'connectionString') {
    // Azurite serves plain HTTP; Azure connection strings name https endpoints anyway.
    return TableClient.fromConnectionString(connection.connectionString, auditTableName, {
      allowInsecureConnection: true,
    });
  }
  return new TableClient(
    tableServiceUriOf(connection.endpoint),
    auditTableName,
    getCredential(connection.clientId),
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
