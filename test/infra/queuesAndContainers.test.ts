/**
 * Every queue and container the code uses is deployed where the app's settings point, with the
 * properties the code assumes: queue names, delivery counts and locks; Cosmos DB partition keys,
 * indexing and conflict resolution; blob containers, and a lifecycle rule that can never take a
 * device's latest restore point. Read from the compiled template, expanded as Azure would.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { restorePointsContainerName } from '../../src/adapters/blob/RestorePointCatalog';
import {
  simulatedComputeContainerName,
  temporaryDevicesContainerName,
} from '../../src/adapters/compute/SimulatedComputeProvider';
import { allContainers } from '../../src/adapters/cosmos/containers';
import { defaultActivationPollSeconds } from '../../src/config';
import { recoveryMaxDeliveries } from '../../src/functions/recovery';
import { registeredFunctions } from '../../src/functions/registry';
import { renewalDelayInMs } from '../../src/local/MessageLock';
import { defaultQueueHostLockInMs } from '../../src/local/queueHost';
import { QueueNames } from '../../src/queueNames';
import '../../src/functions';
import type { ArmResource, Deployment } from './armTemplate';
import {
  appSettingsOf,
  cosmosAt,
  deployed,
  describeCompiled,
  functionApps,
  ofType,
  regionStorageOf,
  serviceBusAt,
  theOne,
} from './deployed';
import { isoDurationSeconds } from './deployment';

const root = join(__dirname, '..', '..');

/** The children of a resource of one type: `ns/queue` of namespace `ns`. */
function childrenOf(deployment: Deployment, parent: ArmResource, type: string): ArmResource[] {
  return ofType(deployment, type).filter((r) => r.name.startsWith(`${parent.name}/`));
}

/** The last segment of a resource's name. */
function leaf(resource: ArmResource): string {
  return resource.name.split('/').pop()!;
}

/** Each Function App's settings, in the default deployment (westeurope, northeurope). */
function settingsOfEachApp(deployment: Deployment): Record<string, string>[] {
  return functionApps(deployment).map((app) => appSettingsOf(deployment, app));
}

/** The queues of the Service Bus namespace each Function App's settings name. */
function queuesOfEachApp(): ArmResource[][] {
  const deployment = deployed();
  return settingsOfEachApp(deployment).map((settings) =>
    childrenOf(
      deployment,
      serviceBusAt(deployment, settings['ServiceBusConnection__fullyQualifiedNamespace']!),
      'Microsoft.ServiceBus/namespaces/queues',
    ),
  );
}

function queueProperties(queue: ArmResource) {
  return queue.properties as {
    lockDuration: string;
    maxDeliveryCount: number;
    requiresDuplicateDetection: boolean;
    duplicateDetectionHistoryTimeWindow: string;
    deadLetteringOnMessageExpiration: boolean;
    requiresSession: boolean;
  };
}

describeCompiled('Service Bus queues', () => {
  it('are exactly the work queues of src/queueNames.ts, on the namespace each Function App reaches', () => {
    const perApp = queuesOfEachApp();
    expect(perApp).toHaveLength(2);
    for (const queues of perApp) expect(queues.map(leaf).sort()).toEqual(Object.values(QueueNames).sort());
  });

  it('include every queue a worker is triggered by', () => {
    const triggered = registeredFunctions().flatMap((f) => (f.kind === 'queue' ? [f.queueName] : []));
    expect(triggered.length).toBeGreaterThan(0);
    for (const queues of queuesOfEachApp())
      for (const name of triggered) expect(queues.map(leaf)).toContain(name);
  });

  it('dead-letter the device-recovery queue after the delivery the worker treats as the last', () => {
    for (const queues of queuesOfEachApp()) {
      const recovery = queues.find((q) => leaf(q) === QueueNames.deviceRecovery)!;
      expect(queueProperties(recovery).maxDeliveryCount).toBe(recoveryMaxDeliveries);
      for (const q of queues) expect(queueProperties(q).maxDeliveryCount).toBeGreaterThanOrEqual(1);
    }
  });

  it('lock messages no longer than Service Bus allows and the host renews', () => {
    const host = JSON.parse(readFileSync(join(root, 'host.json'), 'utf8')) as {
      functionTimeout: string;
      extensions: { serviceBus: { maxAutoLockRenewalDuration: string } };
    };
    const timeSpanSeconds = (span: string) => {
      const [h, m, s] = span.split(':').map(Number);
      return h! * 3600 + m! * 60 + s!;
    };
    const renewalSeconds = timeSpanSeconds(host.extensions.serviceBus.maxAutoLockRenewalDuration);
    // A handler may run until functionTimeout: a lock that stopped renewing before would let the
    // message be delivered again while its first delivery still runs.
    expect(renewalSeconds).toBeGreaterThanOrEqual(timeSpanSeconds(host.functionTimeout));
    for (const queues of queuesOfEachApp()) {
      for (const q of queues) {
        const lock = isoDurationSeconds(queueProperties(q).lockDuration);
        expect(lock, q.name).toBeGreaterThanOrEqual(5);
        expect(lock, q.name).toBeLessThanOrEqual(300);
        expect(lock, q.name).toBeLessThanOrEqual(renewalSeconds);
      }
    }
  });

  it('give a device-recovery message whose instance died back within 20 s, keeping the renewal buffer', () => {
    // Each recovery is on the activation's RTO: a default one-minute lock made a SIGKILLed control
    // plane's devices wait a minute. The host's Service Bus client renews a lock 10 s before it
    // ends (at half of a shorter one), so 20 s is the shortest lock that keeps all of that buffer;
    // the embedded queue host uses the same lock and the same renewal.
    for (const queues of queuesOfEachApp()) {
      const recovery = queues.find((q) => leaf(q) === QueueNames.deviceRecovery)!;
      expect(isoDurationSeconds(queueProperties(recovery).lockDuration)).toBe(20);
    }
    expect(renewalDelayInMs(20_000)).toBe(10_000);
    expect(defaultQueueHostLockInMs).toBe(20_000);
  });

  it('drop duplicates by message id, dead-letter what expires, and keep one ordered store per queue', () => {
    for (const queues of queuesOfEachApp()) {
      for (const q of queues) {
        const properties = queueProperties(q);
        expect(properties.requiresDuplicateDetection, q.name).toBe(true);
        const window = isoDurationSeconds(properties.duplicateDetectionHistoryTimeWindow);
        expect(window).toBeGreaterThanOrEqual(20);
        expect(window).toBeLessThanOrEqual(7 * 24 * 3600);
        expect(properties.deadLetteringOnMessageExpiration, q.name).toBe(true);
        expect(properties.requiresSession, q.name).toBe(false);
      }
    }
  });

  it('live in a Standard namespace, the tier with duplicate detection', () => {
    const namespaces = ofType(deployed(), 'Microsoft.ServiceBus/namespaces');
    expect(namespaces).toHaveLength(2);
    for (const namespace of namespaces)
      expect(namespace.body['sku'], namespace.name).toMatchObject({ name: 'Standard' });
  });
});

describe('the Durable task hub', () => {
  it('polls its queues at least as often as a driver polls a wave', () => {
    // Each step of an activation's driver is a message in the task hub's queues; the Azure Storage
    // backend backs off polling an idle queue up to maxQueuePollingInterval (30 s by default), so
    // without a bound every step could wait six times a poll of the wave.
    const host = JSON.parse(readFileSync(join(root, 'host.json'), 'utf8')) as {
      extensions: { durableTask: { storageProvider?: { maxQueuePollingInterval?: string } } };
    };
    const interval = host.extensions.durableTask.storageProvider?.maxQueuePollingInterval;
    expect(interval).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    const [h, m, s] = interval!.split(':').map(Number);
    expect(h! * 3600 + m! * 60 + s!).toBeLessThanOrEqual(defaultActivationPollSeconds);
  });

  it('takes an activity of a dead instance again within a minute, its lock renewed while it runs', () => {
    // The default (5 minutes) would hold a driver's step that long after its instance died.
    // DurableTask renews a running activity's message 30 s before it shows again, looking every
    // 5 s: a timeout above 35 s leaves it that room.
    const host = JSON.parse(readFileSync(join(root, 'host.json'), 'utf8')) as {
      extensions: { durableTask: { storageProvider?: { workItemQueueVisibilityTimeout?: string } } };
    };
    const timeout = host.extensions.durableTask.storageProvider?.workItemQueueVisibilityTimeout;
    expect(timeout).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    const [h, m, s] = timeout!.split(':').map(Number);
    const seconds = h! * 3600 + m! * 60 + s!;
    expect(seconds).toBeGreaterThan(35);
    expect(seconds).toBeLessThanOrEqual(60);
  });

  it('takes a turn or a fired timer of a dead instance again within the same minute as its activities', () => {
    // A driver's step is as often a control-queue message (its next turn, the wave poll's durable
    // timer firing) as an activity: left at the default (5 minutes, "the visibility timeout of
    // dequeued control queue messages", https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-host-json-settings
    // and https://learn.microsoft.com/dotnet/api/microsoft.azure.webjobs.extensions.durabletask.azurestorageoptions.controlqueuevisibilitytimeout)
    // it would hold the activation's next turn 5 minutes after its worker died, whatever the work
    // items' minute. Same reasoning, same room: the provider renews the messages of a turn in hand
    // (DurableTask's test of a long-running orchestrator sets 10 s to show it), a turn is
    // milliseconds of replay without I/O, and a dead worker's partition lease (30 s by default)
    // has passed to a live one before the minute is up.
    const { storageProvider } = (
      JSON.parse(readFileSync(join(root, 'host.json'), 'utf8')) as {
        extensions: {
          durableTask: {
            storageProvider?: {
              controlQueueVisibilityTimeout?: string;
              workItemQueueVisibilityTimeout?: string;
            };
          };
        };
      }
    ).extensions.durableTask;
    const control = storageProvider?.controlQueueVisibilityTimeout;
    expect(control).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    const [h, m, s] = control!.split(':').map(Number);
    const seconds = h! * 3600 + m! * 60 + s!;
    expect(seconds).toBeGreaterThan(35);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(control).toBe(storageProvider?.workItemQueueVisibilityTimeout);
  });
});

interface ContainerResource {
  id: string;
  partitionKey: { paths: string[]; kind: string };
  indexingPolicy: {
    indexingMode: string;
    includedPaths: { path: string }[];
    excludedPaths: { path: string }[];
  };
  conflictResolutionPolicy: { mode: string; conflictResolutionPath: string };
}

/** The containers of the database each Function App's settings name, on the account they name. */
function containersOfEachApp(): ArmResource[][] {
  const deployment = deployed();
  return settingsOfEachApp(deployment).map((settings) => {
    const account = cosmosAt(deployment, settings['CosmosConnection__accountEndpoint']!);
    const database = theOne(
      deployment,
      'Microsoft.DocumentDB/databaseAccounts/sqlDatabases',
      (r) => r.name === `${account.name}/${settings['COSMOS_DATABASE']}`,
      `named COSMOS_DATABASE (${settings['COSMOS_DATABASE']})`,
    );
    expect(database.properties['resource']).toMatchObject({ id: settings['COSMOS_DATABASE'] });
    return childrenOf(deployment, database, 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers');
  });
}

function containerResource(container: ArmResource): ContainerResource {
  const resource = container.properties['resource'] as unknown as ContainerResource;
  expect(resource.id, container.name).toBe(leaf(container));
  return resource;
}

describeCompiled('Cosmos DB', () => {
  it('has every container of src/adapters/cosmos/containers.ts with its partition key, in the database and account the app reads', () => {
    for (const containers of containersOfEachApp()) {
      const deployedContainers = containers.map((c) => {
        const resource = containerResource(c);
        expect(resource.partitionKey.kind, c.name).toBe('Hash');
        expect(resource.partitionKey.paths, c.name).toHaveLength(1);
        return { id: resource.id, partitionKeyPath: resource.partitionKey.paths[0] };
      });
      expect(deployedContainers.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
        [...allContainers].sort((a, b) => a.id.localeCompare(b.id)),
      );
    }
  });

  it('indexes every property the queries filter or sort on', () => {
    // Properties the stores name in their queries and conditions: c.tenantId, c.protection.enabled...
    const dir = join(root, 'src', 'adapters', 'cosmos');
    const queried = new Set<string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      for (const m of text.matchAll(/\bc\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)/g))
        queried.add(`/${m[1]!.replace(/\./g, '/')}`);
    }
    expect(queried.size).toBeGreaterThan(5);
    for (const containers of containersOfEachApp()) {
      for (const container of containers) {
        const { indexingPolicy } = containerResource(container);
        expect(indexingPolicy.indexingMode).toBe('consistent');
        expect(indexingPolicy.includedPaths).toEqual([{ path: '/*' }]);
        for (const { path } of indexingPolicy.excludedPaths) {
          const prefix = path.replace(/\/(\*|\?)$/, '').replace(/"/g, '');
          for (const q of queried) {
            expect(
              q === prefix || q.startsWith(`${prefix}/`),
              `${leaf(container)}: ${q} is queried but ${path} is not indexed`,
            ).toBe(false);
          }
        }
      }
    }
  });

  it('resolves conflicts between the write regions by last writer wins on the server timestamp', () => {
    for (const containers of containersOfEachApp()) {
      for (const container of containers) {
        expect(containerResource(container).conflictResolutionPolicy).toEqual({
          mode: 'LastWriterWins',
          conflictResolutionPath: '/_ts',
        });
      }
    }
  });

  it('writes in both control-plane regions, the first the account’s own, with session consistency', () => {
    const deployment = deployed('westeurope', 'northeurope');
    const accounts = ofType(deployment, 'Microsoft.DocumentDB/databaseAccounts');
    expect(accounts).toHaveLength(1);
    const account = accounts[0]!;
    expect(account.body['kind']).toBe('GlobalDocumentDB');
    expect(account.location).toBe('westeurope');
    expect(account.properties['enableMultipleWriteLocations']).toBe(true);
    expect(account.properties['consistencyPolicy']).toMatchObject({ defaultConsistencyLevel: 'Session' });
    expect(account.properties['locations']).toMatchObject([
      { locationName: 'westeurope', failoverPriority: 0 },
      { locationName: 'northeurope', failoverPriority: 1 },
    ]);
  });
});

/** The storage accounts each Function App's REGION_STORAGE names, with their blob containers. */
function regionStorageOfEachApp(options: Parameters<typeof deployed>[2] = {}) {
  const deployment = deployed('westeurope', 'northeurope', options);
  return settingsOfEachApp(deployment).map((settings) =>
    [...regionStorageOf(deployment, settings)].map(([region, account]) => {
      const [blobService] = childrenOf(deployment, account, 'Microsoft.Storage/storageAccounts/blobServices');
      const [lifecycle] = childrenOf(
        deployment,
        account,
        'Microsoft.Storage/storageAccounts/managementPolicies',
      );
      const containers = childrenOf(
        deployment,
        account,
        'Microsoft.Storage/storageAccounts/blobServices/containers',
      );
      return { region, account, blobService, lifecycle, containers: containers.map(leaf) };
    }),
  );
}

describeCompiled('region storage', () => {
  it('has the containers of the restore points, the temporary devices and the disks', () => {
    for (const accounts of regionStorageOfEachApp()) {
      for (const { account, containers } of accounts) {
        for (const name of [
          restorePointsContainerName,
          temporaryDevicesContainerName,
          simulatedComputeContainerName,
          'disks',
        ]) {
          expect(containers, account.name).toContain(name);
        }
      }
    }
  });

  it('is locally redundant: the app copies restore points across regions itself', () => {
    for (const accounts of regionStorageOfEachApp()) {
      for (const { account } of accounts)
        expect(account.body['sku'], account.name).toEqual({ name: 'Standard_LRS' });
    }
  });

  it('is given to every region that holds disks, restore points or a control plane, in that region', () => {
    for (const [protectedRegions, regions] of [
      ['', ['northeurope', 'westeurope']],
      ['eastus:westus, westeurope:eastus', ['eastus', 'northeurope', 'westeurope', 'westus']],
    ] as const) {
      for (const accounts of regionStorageOfEachApp({ env: { PROTECTED_REGIONS: protectedRegions } })) {
        expect(accounts.map(({ region }) => region).sort(), protectedRegions).toEqual(regions);
        for (const { region, account } of accounts) expect(account.location).toBe(region);
      }
    }
  });

  it('deletes nothing but blobs the app tagged orphaned: never a device disk, a snapshot or an untagged point', () => {
    for (const accounts of regionStorageOfEachApp()) {
      for (const { account, lifecycle, containers } of accounts) {
        const rules = (
          lifecycle?.properties['policy'] as {
            rules: { definition: Record<string, Record<string, unknown>> }[];
          }
        ).rules;
        expect(rules.length, account.name).toBeGreaterThan(0);
        for (const { definition } of rules) {
          const filters = definition['filters']!;
          expect(filters['blobIndexMatch']).toEqual([{ name: 'orphaned', op: '==', value: 'true' }]);
          expect(filters['blobTypes']).toEqual(['blockBlob']);
          expect(Object.keys(definition['actions']!)).toEqual(['baseBlob']);
          const prefixes = filters['prefixMatch'] as string[];
          expect(prefixes.length).toBeGreaterThan(0);
          for (const prefix of prefixes) {
            expect(containers.map((n) => `${n}/`)).toContain(prefix);
            expect(prefix).not.toBe('disks/');
          }
        }
      }
    }
  });

  it('keeps a deleted container restorable', () => {
    for (const accounts of regionStorageOfEachApp()) {
      for (const { account, blobService } of accounts) {
        const retention = blobService?.properties['containerDeleteRetentionPolicy'] as {
          enabled: boolean;
          days: number;
        };
        expect(retention.enabled, account.name).toBe(true);
        expect(retention.days).toBeGreaterThanOrEqual(1);
        expect(account.body['kind']).toBe('StorageV2');
      }
    }
  });
});
