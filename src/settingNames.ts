/**
 * The name of every setting the app reads, in one place. Code holds a setting's name, never its
 * value; `config.ts` reads the values once. One spelling per setting everywhere: app settings,
 * `local.settings.example.json`, docs/operations.md and Bicep outputs.
 */
export const SettingNames = {
  /** The control-plane region this process runs in. */
  region: 'CONTROL_PLANE_REGION',
  /** JSON map of region name to that region's storage (blob service URI or connection string). */
  regionStorage: 'REGION_STORAGE',
  /** Connection prefix for Cosmos DB: a connection string, or `__accountEndpoint` for identity. */
  cosmosConnection: 'CosmosConnection',
  cosmosDatabase: 'COSMOS_DATABASE',
  /** `servicebus` in Azure; `storage` (Azurite queues) in the embedded runtime. */
  workQueueBackend: 'WORK_QUEUE_BACKEND',
  /** Connection prefix for Service Bus: a connection string, or `__fullyQualifiedNamespace`. */
  serviceBusConnection: 'ServiceBusConnection',
  /** The Functions host's own storage; also holds the work queues when the backend is `storage`. */
  hostStorage: 'AzureWebJobsStorage',
  /** Durable Functions task hub name; host.json reads it as `%DURABLE_TASK_HUB%`. */
  taskHub: 'DURABLE_TASK_HUB',
  authIssuer: 'AUTH_ISSUER',
  authAudience: 'AUTH_AUDIENCE',
  authJwksUri: 'AUTH_JWKS_URI',
  authClockSkewSeconds: 'AUTH_CLOCK_SKEW_SECONDS',
  /** The deployment's home tenant (a GUID): the only tenant whose principals may be DR.PlatformAdmin. */
  platformTenantId: 'PLATFORM_TENANT_ID',
  /** Optional: this deployment's Front Door id (`X-Azure-FDID`), whose `X-Azure-SocketIP` is believed. */
  frontDoorId: 'FRONT_DOOR_ID',
  /** NCRONTAB of the restore-point timer; the Functions host reads it as `%RESTORE_POINT_SCHEDULE%`. */
  restorePointSchedule: 'RESTORE_POINT_SCHEDULE',
  /**
   * Optional: Azure Resource Manager's endpoint for managed disks; Azure's public cloud when unset
   * (the Bicep sets the deployment cloud's own). Tests point it at the local ARM double.
   */
  armEndpoint: 'ARM_ENDPOINT',
  /**
   * Optional: the client id (a GUID) of the multi-tenant app registration whose federated credential
   * trusts the Function Apps' managed identities. With it, a tenant whose `azureDirectoryId` names
   * another Entra directory has its subscriptions reached as that app there; unset, no tenant may
   * name one (docs/deploy.md, "Customers in other Entra tenants").
   */
  crossDirectoryAppClientId: 'CROSS_DIRECTORY_APP_CLIENT_ID',
  /** Managed-disk content is compared (sampled ranges through SAS) on 1 restore point in this many. */
  managedDiskContentSampleEvery: 'MANAGED_DISK_CONTENT_SAMPLE_EVERY',
  /** How long an activation's driver holds its lease without renewing it before another region adopts it. */
  activationLeaseSeconds: 'ACTIVATION_LEASE_SECONDS',
  /** How often an activation's driver polls a wave's counters while it waits. */
  activationPollSeconds: 'ACTIVATION_POLL_SECONDS',
  /**
   * Where temporary devices come from: `simulated` (the embedded default: page blobs in the backup
   * region's storage) or `azure` (VMs from managed-disk restore points; the Bicep's default).
   */
  computeProvider: 'COMPUTE_PROVIDER',
  /**
   * The simulated compute provider's regions: JSON such as
   * `{"northeurope":{"capacity":100,"provisioningMs":2000,"failureRate":0.01}}`; `{}` = unlimited, instant.
   */
  simulatedCompute: 'SIMULATED_COMPUTE',
  /** `true` only for development: serves the local issuer's JWKS. */
  localIssuer: 'LOCAL_ISSUER',
  /** Folder for local-only data (issuer keys, emulator data). */
  localDataDir: 'LOCAL_DATA_DIR',
} as const;

export type SettingName = (typeof SettingNames)[keyof typeof SettingNames];

/** Suffixes of identity-based connection settings, as the Functions host spells them. */
export const ConnectionSuffixes = {
  blobServiceUri: 'blobServiceUri',
  queueServiceUri: 'queueServiceUri',
  accountEndpoint: 'accountEndpoint',
  fullyQualifiedNamespace: 'fullyQualifiedNamespace',
  credential: 'credential',
  clientId: 'clientId',
} as const;
