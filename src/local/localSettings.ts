/**
 * The settings of the embedded runtime: two simulated regions in one Azurite, the embedded Cosmos
 * emulator, storage queues, and the local token issuer. Real environment variables override them.
 */
import { SettingNames } from '../settingNames';

export interface LocalPorts {
  http: number;
  blob: number;
  queue: number;
  table: number;
  cosmos: number;
}

export const defaultLocalPorts: LocalPorts = {
  http: 7071,
  blob: 10000,
  queue: 10001,
  table: 10002,
  cosmos: 8081,
};

export interface StorageAccount {
  name: string;
  key: string;
}

/** Azurite's well-known development account, so `UseDevelopmentStorage=true` works for `func start`. */
export const developmentAccount: StorageAccount = {
  name: 'devstoreaccount1',
  key: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
};

/** The simulated regions: devices live in the primary, restore points and temporary devices in the backup. */
export const LocalRegions = { primary: 'westeurope', backup: 'northeurope' } as const;

/** Emulator-only keys, public by design: they open nothing outside this machine. */
export const regionAccounts: Record<string, StorageAccount> = {
  [LocalRegions.primary]: {
    name: 'drwesteurope',
    key: Buffer.from('local-westeurope-emulator-key').toString('base64'),
  },
  [LocalRegions.backup]: {
    name: 'drnortheurope',
    key: Buffer.from('local-northeurope-emulator-key').toString('base64'),
  },
};

/** The Cosmos emulator accepts any well-formed key; this is the one its docs use. */
export const cosmosEmulatorKey =
  'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

export const localAudience = 'api://cloudpc-dr-local';

/** The embedded runtime's home tenant: `npm run token -- --platform` signs for it. */
export const localPlatformTenantId = '00000000-0000-4000-8000-00000000d12a';

export function azuriteConnectionString(
  account: StorageAccount,
  ports: LocalPorts,
  host = '127.0.0.1',
): string {
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${account.name}`,
    `AccountKey=${account.key}`,
    `BlobEndpoint=http://${host}:${ports.blob}/${account.name}`,
    `QueueEndpoint=http://${host}:${ports.queue}/${account.name}`,
    `TableEndpoint=http://${host}:${ports.table}/${account.name}`,
  ].join(';');
}

/** `AZURITE_ACCOUNTS` for Azurite: every region's account, the development one, and any extra. */
export function azuriteAccountsVariable(extra: readonly StorageAccount[] = []): string {
  return [developmentAccount, ...Object.values(regionAccounts), ...extra]
    .map((a) => `${a.name}:${a.key}`)
    .join(';');
}

export function localSettings(
  ports: LocalPorts = defaultLocalPorts,
  dataDir = '.data',
): Record<string, string> {
  const api = `http://localhost:${ports.http}/api`;
  const regionStorage = Object.fromEntries(
    Object.entries(regionAccounts).map(([region, account]) => [
      region,
      azuriteConnectionString(account, ports),
    ]),
  );
  return {
    [SettingNames.region]: LocalRegions.primary,
    [SettingNames.regionStorage]: JSON.stringify(regionStorage),
    [SettingNames.cosmosConnection]: `AccountEndpoint=http://127.0.0.1:${ports.cosmos}/;AccountKey=${cosmosEmulatorKey}`,
    [SettingNames.cosmosDatabase]: 'clouddr',
    [SettingNames.workQueueBackend]: 'storage',
    [SettingNames.hostStorage]: azuriteConnectionString(developmentAccount, ports),
    [SettingNames.taskHub]: 'clouddrlocal',
    [SettingNames.authIssuer]: `${api}/local-issuer`,
    [SettingNames.authAudience]: localAudience,
    [SettingNames.authJwksUri]: `${api}/local-issuer/jwks.json`,
    [SettingNames.platformTenantId]: localPlatformTenantId,
    [SettingNames.restorePointSchedule]: '0 */5 * * * *',
    [SettingNames.localIssuer]: 'true',
    [SettingNames.localDataDir]: dataDir,
  };
}
