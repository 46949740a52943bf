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
import { createServiceBusClient } from './adapters/servicebus/createServiceBusClient';
import { serviceBusHealthProbe } from './adapters/servicebus/serviceBusHealthProbe';
import { createQueueServiceClient } from './adapters/storage-queue/createQueueServiceClient';
import { storageQueueHealthProbe } from './adapters/storage-queue/storageQueueHealthProbe';
import { checkHealth, type HealthReport } from './app/checkHealth';
import { TenantService } from './app/TenantService';
import { getConfig, resetConfig, type Config } from './config';
import { TokenVerifier } from './http/auth/tokenVerifier';
import type { HealthProbe } from './ports/HealthProbe';
import { QueueNames } from './queueNames';

export interface Services {
  config: Config;
  tokenVerifier: TokenVerifier;
  tenants: TenantService;
  checkHealth(): Promise<HealthReport>;
  dispose(): Promise<void>;
}

let current: Services | undefined;

export function services(): Services {
  current ??= createServices(getConfig());
  return current;
}

/** Drops the process's services and configuration; the next use builds them from the environment again. */
export async function resetServices(): Promise<void> {
  const previous = current;
  current = undefined;
  resetConfig();
  await previous?.dispose();
}

function createServices(config: Config): Services {
  const cosmos: CosmosClient = createCosmosClient(config.cosmos.connection);
  const database = cosmos.database(config.cosmos.database);
  let serviceBus: ServiceBusClient | undefined;

  const probes: HealthProbe[] = [cosmosHealthProbe(cosmos, config.cosmos.database)];
  for (const [region, connection] of config.regionStorage) {
    probes.push(blobHealthProbe(`storage:${region}`, createBlobServiceClient(connection)));
  }
  if (config.workQueue.backend === 'storage') {
    probes.push(storageQueueHealthProbe(createQueueServiceClient(config.workQueue.connection)));
  } else {
    serviceBus = createServiceBusClient(config.workQueue.connection);
    probes.push(serviceBusHealthProbe(serviceBus, QueueNames.restorePoints));
  }

  return {
    config,
    tokenVerifier: new TokenVerifier(config.auth),
    tenants: new TenantService(
      new CosmosTenantStore(database.container(Containers.tenants.id)),
      new Set(config.regionStorage.keys()),
    ),
    checkHealth: () => checkHealth(probes),
    async dispose() {
      cosmos.dispose();
      await serviceBus?.close();
    },
  };
}
