/**
 * Every queue and container the code uses is declared, with the properties the code assumes: queue
 * names, delivery counts and locks; Cosmos DB partition keys, indexing and conflict resolution;
 * blob containers, and a lifecycle rule that can never take a device's latest restore point.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { restoreBasesContainerName } from '../../src/adapters/blob/IncrementalRestorePointStore';
import { restorePointsContainerName } from '../../src/adapters/blob/RestorePointCatalog';
import {
  simulatedComputeContainerName,
  temporaryDevicesContainerName,
} from '../../src/adapters/compute/SimulatedComputeProvider';
import { allContainers } from '../../src/adapters/cosmos/containers';
import { defaultActivationPollSeconds } from '../../src/config';
import { recoveryMaxDeliveries } from '../../src/functions/recovery';
import { registeredFunctions } from '../../src/functions/registry';
import { QueueNames } from '../../src/queueNames';
import '../../src/functions';
import { asArray, asObject, at, literal } from './bicepFile';
import { controlPlane, cosmos, isoDurationSeconds, main, regionStorage, stringLiteral } from './deployment';

const root = join(__dirname, '..', '..');

describe('Service Bus queues', () => {
  const declared = asArray(controlPlane.variable('queues'), 'queues').map((q) => asObject(q, 'queue'));
  const byName = new Map(declared.map((q) => [stringLiteral(q['name'], 'queue name'), q]));
  const queue = asObject(controlPlane.resource('queue').value, 'queue');
  const properties = asObject(queue['properties'], 'queue properties');

  it('are exactly the work queues of src/queueNames.ts, on the namespace of each region', () => {
    expect([...byName.keys()].sort()).toEqual(Object.values(QueueNames).sort());
    expect(controlPlane.resource('queue').loop).toEqual({ item: 'q', source: 'queues' });
    expect(queue['parent']).toBe('serviceBus');
    expect(queue['name']).toBe('q.name');
  });

  it('include every queue a worker is triggered by', () => {
    const triggered = registeredFunctions().flatMap((f) => (f.kind === 'queue' ? [f.queueName] : []));
    expect(triggered.length).toBeGreaterThan(0);
    for (const name of triggered) expect([...byName.keys()]).toContain(name);
  });

  it('dead-letter the device-recovery queue after the delivery the worker treats as the last', () => {
    expect(properties['maxDeliveryCount']).toBe('q.maxDeliveryCount');
    expect(Number(byName.get(QueueNames.deviceRecovery)!['maxDeliveryCount'])).toBe(recoveryMaxDeliveries);
    for (const q of declared) expect(Number(q['maxDeliveryCount'])).toBeGreaterThanOrEqual(1);
  });

  it('lock messages no longer than Service Bus allows and the host renews', () => {
    expect(properties['lockDuration']).toBe('q.lockDuration');
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
    for (const q of declared) {
      const lock = isoDurationSeconds(stringLiteral(q['lockDuration'], 'lockDuration'));
      expect(lock).toBeGreaterThanOrEqual(5);
      expect(lock).toBeLessThanOrEqual(300);
      expect(lock).toBeLessThanOrEqual(renewalSeconds);
    }
  });

  it('drop duplicates by message id, dead-letter what expires, and keep one ordered store per queue', () => {
    expect(properties['requiresDuplicateDetection']).toBe('true');
    const window = isoDurationSeconds(
      stringLiteral(properties['duplicateDetectionHistoryTimeWindow'], 'window'),
    );
    expect(window).toBeGreaterThanOrEqual(20);
    expect(window).toBeLessThanOrEqual(7 * 24 * 3600);
    expect(properties['deadLetteringOnMessageExpiration']).toBe('true');
    expect(properties['requiresSession']).toBe('false');
  });

  it('live in a Standard namespace, the tier with duplicate detection', () => {
    expect(at(controlPlane.resource('serviceBus').value, 'sku.name')).toBe("'Standard'");
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
});

describe('Cosmos DB', () => {
  const declared = asArray(cosmos.variable('containers'), 'containers').map((c) => asObject(c, 'container'));
  const container = asObject(cosmos.resource('container').value, 'container');
  const resource = asObject(at(container, 'properties.resource'), 'container resource');
  const account = asObject(cosmos.resource('account').value, 'account');

  it('declares every container of src/adapters/cosmos/containers.ts with its partition key', () => {
    const inBicep = declared.map((c) => ({
      id: stringLiteral(c['id'], 'id'),
      partitionKeyPath: stringLiteral(c['partitionKeyPath'], 'partitionKeyPath'),
    }));
    expect(inBicep.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [...allContainers].sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(cosmos.resource('container').loop).toEqual({ item: 'c', source: 'containers' });
    expect(resource['id']).toBe('c.id');
    expect(at(resource, 'partitionKey.paths')).toEqual(['c.partitionKeyPath']);
    expect(at(resource, 'partitionKey.kind')).toBe("'Hash'");
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
    expect(at(resource, 'indexingPolicy.indexingMode')).toBe("'consistent'");
    expect(at(resource, 'indexingPolicy.includedPaths')).toEqual([{ path: "'/*'" }]);
    expect(at(resource, 'indexingPolicy.excludedPaths')).toMatch(
      /map\(c\.notIndexed, path => \{ path: path \}\)\)$/,
    );
    for (const c of declared) {
      const excluded = [
        '/"_etag"/?',
        ...asArray(c['notIndexed'], 'notIndexed').map((p) => stringLiteral(p, 'path')),
      ];
      for (const path of excluded) {
        const prefix = path.replace(/\/(\*|\?)$/, '').replace(/"/g, '');
        for (const q of queried) {
          expect(
            q === prefix || q.startsWith(`${prefix}/`),
            `${stringLiteral(c['id'], 'id')}: ${q} is queried but ${path} is not indexed`,
          ).toBe(false);
        }
      }
    }
  });

  it('resolves conflicts between the write regions by last writer wins on the server timestamp', () => {
    expect(at(resource, 'conflictResolutionPolicy.mode')).toBe("'LastWriterWins'");
    expect(at(resource, 'conflictResolutionPolicy.conflictResolutionPath')).toBe("'/_ts'");
  });

  it('writes in both control-plane regions with session consistency', () => {
    expect(at(account, 'properties.enableMultipleWriteLocations')).toBe('true');
    expect(at(account, 'properties.consistencyPolicy.defaultConsistencyLevel')).toBe("'Session'");
    expect(at(account, 'properties.locations')).toMatch(/^\[for \(region, i\) in locations: \{/);
    expect(at(main.module('cosmos').value, 'params.locations')).toBe('controlPlaneRegions');
    expect(main.variable('controlPlaneRegions')).toEqual(['location', 'secondaryLocation']);
    expect(at(account, 'kind')).toBe("'GlobalDocumentDB'");
  });

  it('names the database the app reads', () => {
    expect(at(cosmos.resource('database').value, 'properties.resource.id')).toBe('databaseName');
    expect(at(main.module('cosmos').value, 'params.databaseName')).toBe('cosmosDatabaseName');
    expect(at(main.module('controlPlane').value, 'params.cosmosDatabaseName')).toBe('cosmosDatabaseName');
  });
});

describe('region storage', () => {
  const names = asArray(regionStorage.variable('containerNames'), 'containerNames').map((n) =>
    stringLiteral(n, 'container'),
  );
  const account = asObject(regionStorage.resource('account').value, 'account');
  const rules = asArray(
    at(regionStorage.resource('lifecycle').value, 'properties.policy.rules'),
    'rules',
  ).map((r) => asObject(r, 'rule'));
  const prefixes = asArray(regionStorage.variable('appContainerPrefixes'), 'prefixes').map((p) =>
    stringLiteral(p, 'prefix'),
  );

  it('declares the containers of the restore points, their bases, the temporary devices and the disks', () => {
    for (const name of [
      restorePointsContainerName,
      restoreBasesContainerName,
      temporaryDevicesContainerName,
      simulatedComputeContainerName,
      'disks',
    ]) {
      expect(names).toContain(name);
    }
    expect(regionStorage.resource('containers').loop).toEqual({ item: 'name', source: 'containerNames' });
  });

  it('is locally redundant: the app copies restore points across regions itself', () => {
    expect(at(account, 'sku.name')).toBe("'Standard_LRS'");
    expect(regionStorage.text).not.toMatch(/_GRS|_GZRS|_RAGRS/);
  });

  it('is given to every region that holds disks, restore points or a control plane', () => {
    expect(main.module('regionStorage').loop).toEqual({ item: 'region', source: 'storageRegions' });
    expect(main.variable('storageRegions')).toBe(
      'union(controlPlaneRegions, map(protectedRegionPairs, p => p.region), map(protectedRegionPairs, p => p.backupRegion))',
    );
  });

  it('deletes nothing but blobs the app tagged orphaned: never a device disk, a snapshot or an untagged point', () => {
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      const filters = asObject(at(rule, 'definition.filters'), 'filters');
      expect(asArray(filters['blobIndexMatch'], 'blobIndexMatch').map((m) => asObject(m, 'match'))).toEqual([
        { name: "'orphaned'", op: "'=='", value: "'true'" },
      ]);
      expect(filters['prefixMatch']).toBe('appContainerPrefixes');
      expect(asArray(filters['blobTypes'], 'blobTypes')).toEqual(["'blockBlob'"]);
      expect(Object.keys(asObject(at(rule, 'definition.actions'), 'actions'))).toEqual(['baseBlob']);
    }
    expect(prefixes.length).toBeGreaterThan(0);
    for (const prefix of prefixes) {
      expect(names.map((n) => `${n}/`)).toContain(prefix);
      expect(prefix).not.toBe('disks/');
    }
  });

  it('keeps a deleted container restorable', () => {
    const retention = at(
      regionStorage.resource('blobService').value,
      'properties.containerDeleteRetentionPolicy',
    );
    expect(at(retention, 'enabled')).toBe('true');
    expect(Number(at(retention, 'days'))).toBeGreaterThanOrEqual(1);
    expect(literal(at(account, 'kind'))).toBe('StorageV2');
  });
});
