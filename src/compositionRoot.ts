/**
 * Builds the adapters from the configuration, once per process, and hands use cases their ports.
 * The only module that knows which adapter stands behind which port.
 */
import type { CosmosClient } from '@azure/cosmos';
import type { ServiceBusClient } from '@azure/service-bus';
import { blobHealthProbe } from './adapters/blob/blobHealthProbe';
import { createBlobServiceClient } from './adapters/blob/createBlobServiceClient';
import { Containers } from './adapters/cosmos/containers';
import { CosmosTenantStore } from './adapters/cosmos/CosmosTenantStore';
import { cosmosHealthProbe } from './adapters/cosmos/cosmosHealthProbe';
import { createCosmosClient } from './adapters/cosmos/createCosmosClient';
import { budgetsWith, type BudgetOverrides, type Budgets } from './adapters/deadlines/budgets';
import { circuitAwareProbe } from './adapters/deadlines/circuitAwareProbe';
import { DependencyGuards } from './adapters/deadlines/DependencyGuards';
import { createServiceBusClient } from './adapters/servicebus/createServiceBusClient';
import { serviceBusHealthProbe } from './adapters/servicebus/serviceBusHealthProbe';
import { createQueueServiceClient } from './adapters/storage-queue/createQueueServiceClient';
import { storageQueueHealthProbe } from './adapters/storage-queue/storageQueueHealthProbe';
import { FullCopyRestorePointStore } from './adapters/blob/FullCopyRestorePointStore';
import { PageBlobDiskSource } from './adapters/blob/PageBlobDiskSource';
import { ArmDiskSource } from './adapters/arm/ArmDiskSource';
import { ComputeClients, type ComputeClientOptions } from './adapters/arm/createComputeClient';
import { DiskSourceByKind } from './adapters/arm/DiskSourceByKind';
import {
  ManagedDiskRestorePointStore,
  type ManagedDiskRestorePointStoreOptions,
} from './adapters/arm/ManagedDiskRestorePointStore';
import { sasRangeReader } from './adapters/arm/readSasRange';
import { RestorePointCatalog } from './adapters/blob/RestorePointCatalog';
import { getCredential } from './adapters/identity/credential';
import type { DirectoryCredentialFactory } from './adapters/identity/ArmCredentials';
import { createArmCredential } from './adapters/identity/createArmCredential';
import type { TokenCredential } from '@azure/core-auth';
import type { TlsSettings } from '@azure/core-rest-pipeline';
import { CosmosDeviceStore } from './adapters/cosmos/CosmosDeviceStore';
import { CosmosPolicyStore } from './adapters/cosmos/CosmosPolicyStore';
import { consoleEventLog } from './adapters/logging/consoleEventLog';
import { ServiceBusWorkQueue } from './adapters/servicebus/ServiceBusWorkQueue';
import { StorageWorkQueue } from './adapters/storage-queue/StorageWorkQueue';
import { CosmosActivationStore } from './adapters/cosmos/CosmosActivationStore';
import { CosmosBulkPointRequests } from './adapters/cosmos/CosmosBulkPointRequests';
import { CosmosCopySlots } from './adapters/cosmos/CosmosCopySlots';
import { ArmPacer, type ArmPacerOptions } from './adapters/arm/pacing/ArmPacer';
import { CosmosPacerRoster } from './adapters/arm/pacing/CosmosPacerRoster';
import { processPacerRoster } from './adapters/arm/pacing/LocalPacerRoster';
import { CopySlotScheduler } from './app/CopySlotScheduler';
import type { CopySlotKey, CopySlots } from './ports/CopySlots';
import { SimulatedComputeProvider } from './adapters/compute/SimulatedComputeProvider';
import {
  AzureComputeProvider,
  type AzureComputeProviderOptions,
} from './adapters/compute/azure/AzureComputeProvider';
import { createAuditTableClient } from './adapters/tables/createAuditTableClient';
import { TableAuditLog } from './adapters/tables/TableAuditLog';
import { AuditReport } from './app/AuditReport';
import { AuditTrail, type AuditTrailOptions } from './app/AuditTrail';
import { ActivationAdopter } from './app/ActivationAdopter';
import { ActivationPreview } from './app/ActivationPreview';
import { ActivationService } from './app/ActivationService';
import { ActivationSteps } from './app/ActivationSteps';
import { RecoveryWorker, type RecoveryWorkerOptions } from './app/RecoveryWorker';
import { TemporaryDeviceSweeper } from './app/TemporaryDeviceSweeper';
import { UserDrStatusService } from './app/UserDrStatus';
import { checkHealth, type HealthReport } from './app/checkHealth';
import { ComplianceReport } from './app/ComplianceReport';
import { DeviceService } from './app/DeviceService';
import { DeviceDiscovery } from './app/DeviceDiscovery';
import { ArmVirtualMachineReader } from './adapters/arm/ArmVirtualMachineReader';
import { ArmHostPools, type ArmHostPoolsOptions } from './adapters/avd/ArmHostPools';
import { AvdClients } from './adapters/avd/createAvdClients';
import { PolicyService } from './app/PolicyService';
import { RestorePointScheduler } from './app/RestorePointScheduler';
import { RestorePointService } from './app/RestorePointService';
import { RestorePointWorker, type RestorePointWorkerOptions } from './app/RestorePointWorker';
import { SecurityLog } from './app/SecurityLog';
import { TenantService } from './app/TenantService';
import { currentHost, getConfig, resetConfig, type Config } from './config';
import { TokenVerifier } from './http/auth/tokenVerifier';
import { HttpLimits } from './http/limits';
import { RateLimiter, type RateLimit } from './http/rateLimiter';
import type { AuditLog } from './ports/AuditLog';
import { systemClock, type Clock } from './ports/Clock';
import type { ActivationStore } from './ports/ActivationStore';
import type { ComputeProvider } from './ports/ComputeProvider';
import type { DeviceStore } from './ports/DeviceStore';
import type { DiskSource } from './ports/DiskSource';
import type { EventLog } from './ports/EventLog';
import type { HealthProbe } from './ports/HealthProbe';
import type { RestorePointStore } from './ports/RestorePointStore';
import type { TenantStore } from './ports/TenantStore';
import type { WorkQueue } from './ports/WorkQueue';
import { QueueNames } from './queueNames';

export interface Services {
  config: Config;
  clock: Clock;
  /** How long each kind of dependency call may take (src/adapters/deadlines/budgets.ts). */
  budgets: Budgets;
  /** The circuit breaker and deadline of each dependency, per region and service. */
  dependencyGuards: DependencyGuards;
  tokenVerifier: TokenVerifier;
  /** Mutating requests per caller (HttpLimits.mutatingRequests). */
  mutationLimiter: RateLimiter;
  /** Requests per client address not served to an authenticated caller (HttpLimits.unauthenticatedRequests). */
  addressLimiter: RateLimiter;
  audit: AuditTrail;
  /** Refusals before authentication and across tenants, aggregated into the platform trail. */
  securityLog: SecurityLog;
  auditReport: AuditReport;
  tenants: TenantService;
  policies: PolicyService;
  devices: DeviceService;
  /** Devices registered from an AVD personal host pool's session hosts. */
  deviceDiscovery: DeviceDiscovery;
  restorePoints: RestorePointService;
  compliance: ComplianceReport;
  scheduler: RestorePointScheduler;
  restorePointWorker: RestorePointWorker;
  activations: ActivationService;
  /** What an activation would do, read-only (`POST …/activation-previews`). */
  activationPreview: ActivationPreview;
  activationSteps: ActivationSteps;
  recoveryWorker: RecoveryWorker;
  sweeper: TemporaryDeviceSweeper;
  adopter: ActivationAdopter;
  /** Grants CopyStart's slots of the (subscription, target region) keys this region owns. */
  copySlotScheduler: CopySlotScheduler;
  userDrStatus: UserDrStatusService;
  checkHealth(): Promise<HealthReport>;
  dispose(): Promise<void>;
}

/**
 * The adapters behind the use cases. Not part of `Services`: no function or use case reaches past
 * its ports; tests and tools (the benchmark) that inspect or seed state get them from
 * `installedStores()`.
 */
export interface InstalledStores {
  tenants: TenantStore;
  devices: DeviceStore;
  points: RestorePointStore;
  /** The points of managed disks (CopyStart copies in ARM, recorded in the same catalogue). */
  managedPoints: RestorePointStore;
  disks: DiskSource;
  queue: WorkQueue;
  activations: ActivationStore;
  compute: ComputeProvider;
  /** CopyStart's slots, shared with the other control-plane region. */
  copySlots: CopySlots;
  /** The process's one ARM budget governor: its counters (calls, waits, 429s) for tools. */
  armPacer: ArmPacer;
}

/** What the composition root builds: the services, and the adapters they were built on. */
interface Composition {
  services: Services;
  stores: InstalledStores;
}

/** What a test may swap: the clock, where events go, and the worker's timings. */
export interface ServiceOverrides {
  clock?: Clock;
  events?: EventLog;
  worker?: RestorePointWorkerOptions;
  recovery?: RecoveryWorkerOptions;
  /** Pages of planning, dispatch and release (1,000 in production) and of the preview (5,000): small pages exercise paging. */
  activationPageSize?: number;
  /** Storage SDK retries: its defaults wait half a minute on a region that is down. */
  storageRetry?: { maxTries: number; retryDelayInMs: number };
  /** Tighter deadlines or another breaker, so a test of an outage need not wait out production's. */
  budgets?: BudgetOverrides;
  /** Where audit records go (a log that fails, to show nothing else does), and its retries. */
  auditLog?: AuditLog;
  audit?: AuditTrailOptions;
  /** The mutation rate limit (HttpLimits.mutatingRequests): a slow one makes its refusals certain. */
  mutationLimit?: RateLimit;
  /** The clock of the per-address limit and of the security log's minutes, so tests need not sleep. */
  securityClock?: Clock;
  /** The clock of the dependencies' circuit breakers: a test decides when an open circuit's time is up. */
  breakerClock?: Clock;
  /** Managed disks against a local ARM double: its credential, endpoint, CA, CopyStart slots, timings. */
  arm?: ArmOverrides;
  /** Wraps the work queue every use case sends on: a test makes some sends fail, at the port. */
  wrapWorkQueue?: (queue: WorkQueue) => WorkQueue;
}

export interface ArmOverrides {
  credential?: TokenCredential;
  endpoint?: string;
  tlsOptions?: TlsSettings;
  copySlots?: CopySlots;
  /** How often ARM's long-running operations (snapshot create, delete, SAS) are polled. */
  pollIntervalInMs?: number;
  store?: ManagedDiskRestorePointStoreOptions;
  /** The pacer's clock, bucket limits and longest wait: the double's simulated clock and its limits in tests. */
  pacer?: Omit<ArmPacerOptions, 'region'>;
  /** The Azure compute provider's clock, deadline and listing TTL (`COMPUTE_PROVIDER=azure`). */
  compute?: AzureComputeProviderOptions;
  /** The AVD adapter's clock (token expiry) and listing TTL. */
  hostPools?: ArmHostPoolsOptions;
  /**
   * Stands in for Entra's sign-in to a customer directory (`ClientAssertionCredential`), which
   * cannot run here; `credential` then stands for the managed identity whose token is the assertion.
   */
  directoryCredential?: DirectoryCredentialFactory;
}

let current: Composition | undefined;

function composition(): Composition {
  current ??= compose(getConfig());
  return current;
}

export function services(): Services {
  return composition().services;
}

/**
 * The adapters behind the process's services, for tests and tools that inspect or seed state
 * directly (a device record, a restore point, the simulated provider). Product code uses `services()`.
 */
export function installedStores(): InstalledStores {
  return composition().stores;
}

/** Installs services built with overrides (tests); `resetServices` drops them again. */
export function installServices(overrides: ServiceOverrides): Services {
  current = compose(getConfig(), overrides);
  return current.services;
}

/** Drops the process's services and configuration; the next use builds them from the environment again. */
export async function resetServices(): Promise<void> {
  const previous = current;
  current = undefined;
  resetConfig();
  await previous?.services.dispose();
}

function compose(config: Config, overrides: ServiceOverrides = {}): Composition {
  const clock = overrides.clock ?? systemClock;
  const events = overrides.events ?? consoleEventLog;
  const regions = new Set(config.regionStorage.keys());
  // Every dependency call is bounded and each region's services have their own breaker, named as
  // health names the dependency, so the backup region's calls never wait on the primary's.
  const budgets = budgetsWith(overrides.budgets);
  const breakerClock = overrides.breakerClock ?? systemClock;
  const guards = new DependencyGuards(budgets, events, () => breakerClock.now().getTime());
  const cosmos: CosmosClient = createCosmosClient(config.cosmos.connection, config.region, {
    guard: guards.guard('state-store', 'cosmos'),
    budgets,
  });
  const database = cosmos.database(config.cosmos.database);
  // One ARM budget governor per process: every ARM client built below carries `armPacer.policy()`
  // (perRetry), so all of this region's calls draw on the same buckets, shared with the region's
  // other processes through a roster: its other Function App instances (in Cosmos DB), or the
  // other services built in this process (the embedded runtime, tests).
  const armPacer = new ArmPacer(events, {
    roster:
      currentHost() === 'functions'
        ? new CosmosPacerRoster(database.container(Containers.copySlots.id), {
            region: config.region,
            events,
          })
        : processPacerRoster(config.region),
    ...overrides.arm?.pacer,
    region: config.region,
  });
  const storageOptions = { retryOptions: overrides.storageRetry ?? budgets.storageRetry };
  const blobClients = new Map(
    [...config.regionStorage].map(([region, connection]) => [
      region,
      createBlobServiceClient(connection, storageOptions, guards.guard(`storage:${region}`, 'blob')),
    ]),
  );

  const probes: HealthProbe[] = [cosmosHealthProbe(cosmos, config.cosmos.database)];
  for (const [region, client] of blobClients)
    probes.push(blobHealthProbe(`storage:${region}`, client, region === config.region));
  let queue: WorkQueue;
  let serviceBus: ServiceBusClient | undefined;
  let serviceBusQueue: ServiceBusWorkQueue | undefined;
  if (config.workQueue.backend === 'storage') {
    const queueClient = createQueueServiceClient(
      config.workQueue.connection,
      storageOptions,
      guards.guard('work-queue', 'queue'),
    );
    probes.push(storageQueueHealthProbe(queueClient));
    queue = new StorageWorkQueue(queueClient);
  } else {
    serviceBus = createServiceBusClient(config.workQueue.connection, budgets);
    probes.push(serviceBusHealthProbe(serviceBus, QueueNames.restorePoints));
    queue = serviceBusQueue = new ServiceBusWorkQueue(serviceBus, guards.guard('work-queue', 'servicebus'));
  }
  if (overrides.wrapWorkQueue) queue = overrides.wrapWorkQueue(queue);

  const tenantStore = new CosmosTenantStore(database.container(Containers.tenants.id));
  const policyStore = new CosmosPolicyStore(database.container(Containers.policies.id));
  const deviceStore = new CosmosDeviceStore(database.container(Containers.devices.id), config.region, clock);
  const pageBlobDisks = new PageBlobDiskSource(blobClients);
  const points: RestorePointStore = new FullCopyRestorePointStore(blobClients);

  const tenants = new TenantService(tenantStore, {
    knownRegions: regions,
    taskHub: config.taskHub,
    clock,
    devices: deviceStore,
    directories: {
      home: config.auth.platformTenantId,
      crossDirectoryApp: config.arm.crossDirectoryAppClientId !== undefined,
    },
  });
  // The audit table of every region's storage: this region writes its own, reads merge them all.
  const auditLog =
    overrides.auditLog ??
    new TableAuditLog(
      config.region,
      new Map(
        [...config.regionStorage].map(([region, c]) => [
          region,
          createAuditTableClient(c, { guard: guards.guard(`storage:${region}`, 'table'), budgets }),
        ]),
      ),
    );
  // Audit records carry wall-clock time, whatever clock the business rules run on.
  const audit = new AuditTrail(auditLog, events, systemClock, config.region, overrides.audit);
  const securityClock = overrides.securityClock ?? systemClock;
  const securityLog = new SecurityLog(auditLog, audit, events, securityClock, {
    maxRecordsPerWindow: HttpLimits.securityLogRecordsPerMinute,
  });
  const activationStore = new CosmosActivationStore(
    database.container(Containers.activations.id),
    database.container(Containers.recoveries.id),
    config.region,
  );
  const cosmosCopySlots = new CosmosCopySlots(
    database.container(Containers.copySlots.id),
    config.region,
    clock,
  );
  // A test's own CopySlots stands in for the shared one; the scheduler still runs on the Cosmos one.
  const copySlots: CopySlots = overrides.arm?.copySlots ?? cosmosCopySlots;
  // Managed disks through ARM: every client carries the pacer's policy. Nothing calls ARM until a
  // managed disk is registered, so the embedded runtime's page blobs never need a credential.
  const armPoll = overrides.arm?.pollIntervalInMs;
  const armClientOptions: ComputeClientOptions = {
    // The managed identity in this deployment's directory; the multi-tenant app in a tenant's other one.
    credential: createArmCredential({
      managedIdentity: overrides.arm?.credential ?? getCredential(),
      appClientId: config.arm.crossDirectoryAppClientId,
      claims: () => tenantStore.diskScopeClaims(),
      ...(overrides.arm?.directoryCredential
        ? { directoryCredential: overrides.arm.directoryCredential }
        : {}),
    }),
    ...((overrides.arm?.endpoint ?? config.arm.endpoint)
      ? { endpoint: overrides.arm?.endpoint ?? config.arm.endpoint }
      : {}),
    ...(overrides.arm?.tlsOptions ? { tlsOptions: overrides.arm.tlsOptions } : {}),
    additionalPolicies: [armPacer.policy()],
  };
  const computeClients = new ComputeClients(armClientOptions);
  const hostPools = new ArmHostPools(new AvdClients(armClientOptions), overrides.arm?.hostPools);
  const disks = new DiskSourceByKind({
    pageBlob: pageBlobDisks,
    managedDisk: new ArmDiskSource(computeClients, armPoll ? { pollIntervalInMs: armPoll } : {}),
  });
  const copySlotScheduler = new CopySlotScheduler({
    slots: cosmosCopySlots,
    region: config.region,
    clock: systemClock,
    events,
    wakes: queue,
  });
  const managedPoints = new ManagedDiskRestorePointStore(
    {
      clients: computeClients,
      catalog: new RestorePointCatalog(blobClients),
      copySlots,
      events,
      readRange: sasRangeReader(
        typeof overrides.arm?.tlsOptions?.ca === 'string' ? { ca: overrides.arm.tlsOptions.ca } : {},
      ),
      // Granted by the scheduler, which sends a grant's wake-up on this region's queue: a copy waiting
      // for a slot is looked at only as a safety net, and one that ended hands its slot on at once.
      // A test's own CopySlots does neither.
      ...(overrides.arm?.copySlots
        ? {}
        : { slotWakes: true, slotFreed: (key: CopySlotKey) => copySlotScheduler.grant(key) }),
    },
    {
      contentSampleEvery: config.arm.contentSampleEvery,
      ...(armPoll ? { pollIntervalInMs: armPoll } : {}),
      ...overrides.arm?.store,
    },
  );
  const compute: ComputeProvider =
    config.computeProvider === 'azure'
      ? new AzureComputeProvider(
          {
            clients: armClientOptions,
            hostPools,
            resourceGroups: (region) => tenantStore.backupResourceGroups(region),
          },
          overrides.arm?.compute,
        )
      : new SimulatedComputeProvider(blobClients, { regions: config.simulatedCompute });
  const activations = new ActivationService(
    { store: activationStore, tenants, knownRegions: regions, region: config.region, clock, events },
    config.activations,
  );
  const activationPreview = new ActivationPreview(
    { devices: deviceStore, tenants, knownRegions: regions, clock },
    overrides.activationPageSize ? { pageSize: overrides.activationPageSize } : {},
  );
  const deviceService = new DeviceService({
    devices: deviceStore,
    policies: policyStore,
    tenants,
    disks,
    knownRegions: regions,
    clock,
  });
  const services: Services = {
    config,
    clock,
    budgets,
    dependencyGuards: guards,
    tokenVerifier: new TokenVerifier(config.auth, { jwksTimeoutInMs: budgets.jwksFetchInMs }),
    mutationLimiter: new RateLimiter(overrides.mutationLimit ?? HttpLimits.mutatingRequests),
    addressLimiter: new RateLimiter(HttpLimits.unauthenticatedRequests, () => securityClock.now().getTime()),
    audit,
    securityLog,
    auditReport: new AuditReport(auditLog, tenants),
    tenants,
    policies: new PolicyService(policyStore, deviceStore, tenants, regions, clock),
    devices: deviceService,
    deviceDiscovery: new DeviceDiscovery({
      hostPools,
      vms: new ArmVirtualMachineReader(computeClients),
      devices: deviceService,
      registry: deviceStore,
      policies: policyStore,
      tenants,
    }),
    restorePoints: new RestorePointService({
      devices: deviceStore,
      tenants: tenantStore,
      policies: policyStore,
      points,
      queue,
      clock,
      bulkRequests: new CosmosBulkPointRequests(database.container(Containers.devices.id)),
    }),
    compliance: new ComplianceReport(deviceStore, policyStore, tenants, clock, regions),
    scheduler: new RestorePointScheduler({
      devices: deviceStore,
      tenants: tenantStore,
      queue,
      events,
      audit,
    }),
    restorePointWorker: new RestorePointWorker(
      {
        devices: deviceStore,
        tenants: tenantStore,
        policies: policyStore,
        disks,
        points,
        managedPoints,
        queue,
        events,
        clock,
      },
      overrides.worker,
    ),
    activations,
    activationPreview,
    activationSteps: new ActivationSteps(
      {
        store: activationStore,
        devices: deviceStore,
        tenants: tenantStore,
        queue,
        events,
        audit,
        clock,
        region: config.region,
      },
      {
        leaseInMs: config.activations.leaseInMs,
        ...(overrides.activationPageSize ? { pageSize: overrides.activationPageSize } : {}),
      },
    ),
    recoveryWorker: new RecoveryWorker(
      {
        store: activationStore,
        devices: deviceStore,
        policies: policyStore,
        tenants: tenantStore,
        points,
        managedPoints,
        compute,
        queue,
        events,
        audit,
        clock,
      },
      overrides.recovery,
    ),
    sweeper: new TemporaryDeviceSweeper(
      activationStore,
      compute,
      tenantStore,
      [...regions],
      events,
      policyStore,
    ),
    adopter: new ActivationAdopter(
      {
        store: activationStore,
        activations,
        region: config.region,
        clock: systemClock,
        events,
        audit,
      },
      { leaseInMs: config.activations.leaseInMs },
    ),
    copySlotScheduler,
    userDrStatus: new UserDrStatusService(deviceStore, tenantStore, activationStore),
    checkHealth: () => checkHealth(probes.map((probe) => circuitAwareProbe(probe, guards))),
    async dispose() {
      await securityLog.close();
      await armPacer.close();
      cosmos.dispose();
      await serviceBusQueue?.close();
      await serviceBus?.close();
    },
  };
  const stores: InstalledStores = {
    tenants: tenantStore,
    devices: deviceStore,
    points,
    managedPoints,
    disks,
    queue,
    activations: activationStore,
    compute,
    copySlots,
    armPacer,
  };
  return { services, stores };
}
