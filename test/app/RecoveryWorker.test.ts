/**
 * The recovery worker against real adapters: tasks and activations in the Cosmos emulator, devices
 * in the same database, restore points and simulated temporary devices in the Azurite regions, and
 * the follow-up messages (checks, retries) on this vitest worker's own `device-recovery` queue.
 * Every test has its own tenant, activation, device and compute containers, so the provider's
 * `creations(region)` and capacity count nothing but the test's own devices.
 */
import type { CosmosClient } from '@azure/cosmos';
import type { BlobServiceClient } from '@azure/storage-blob';
import { TableClient } from '@azure/data-tables';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { FullCopyRestorePointStore } from '../../src/adapters/blob/FullCopyRestorePointStore';
import {
  SimulatedComputeProvider,
  type SimulatedComputeOptions,
} from '../../src/adapters/compute/SimulatedComputeProvider';
import type { SimulatedRegionSettings } from '../../src/adapters/compute/simulatedComputeOptions';
import { CosmosActivationStore } from '../../src/adapters/cosmos/CosmosActivationStore';
import { CosmosDeviceStore } from '../../src/adapters/cosmos/CosmosDeviceStore';
import { CosmosPolicyStore } from '../../src/adapters/cosmos/CosmosPolicyStore';
import { CosmosTenantStore } from '../../src/adapters/cosmos/CosmosTenantStore';
import { Containers } from '../../src/adapters/cosmos/containers';
import { decodeWorkMessage } from '../../src/adapters/storage-queue/storageQueueEnvelope';
import { StorageWorkQueue } from '../../src/adapters/storage-queue/StorageWorkQueue';
import { TableAuditLog, auditTableName } from '../../src/adapters/tables/TableAuditLog';
import { AuditTrail } from '../../src/app/AuditTrail';
import { TemporaryDeviceSweeper } from '../../src/app/TemporaryDeviceSweeper';
import {
  RecoveryWorker,
  type RecoveryOutcome,
  type RecoveryWorkerOptions,
} from '../../src/app/RecoveryWorker';
import { recoveryMessageId, type RecoveryMessage } from '../../src/app/recoveryMessage';
import type { Activation, ActivationState } from '../../src/domain/activation';
import {
  countIn,
  recoveryStates,
  recoveryTaskId,
  temporaryDeviceName,
  type RecoveryState,
  type RecoveryTask,
} from '../../src/domain/recoveryTask';
import type { RestorePoint } from '../../src/domain/restorePoint';
import type { ComputeProvider, TemporaryDeviceRequest } from '../../src/ports/ComputeProvider';
import type { ActivationStore } from '../../src/ports/ActivationStore';
import { systemClock } from '../../src/ports/Clock';
import type { EventLog } from '../../src/ports/EventLog';
import type { RestorePointStore, RestorePointTarget } from '../../src/ports/RestorePointStore';
import type { WorkQueue } from '../../src/ports/WorkQueue';
import { azuriteConnectionString } from '../../src/local/localSettings';
import { QueueNames } from '../../src/queueNames';
import {
  azuriteRegionClients,
  backup,
  createDisk,
  patternBytes,
  primary,
  snapshotOf,
  uniqueId,
  unreachableClient,
  type TestDisk,
} from '../adapters/blob/azuriteRegions';
import { openCosmosTestDatabase } from '../support/cosmosTestDatabase';
import { seededRandom } from '../support/seededRandom';
import { maxTestWorkers, workerHostAccount } from '../support/workerHostAccount';

const KiB = 1024;
const wave = 1;
const workerOptions = {
  checkDelayInMs: 10,
  retryBaseDelayInMs: 10,
  retryMaxDelayInMs: 20,
  capacityBaseDelayInMs: 10,
  capacityMaxDelayInMs: 20,
  maxAttempts: 3,
  cacheTtlInMs: 0,
};

let cosmos: CosmosClient;
let store: CosmosActivationStore;
let devices: CosmosDeviceStore;
let tenants: CosmosTenantStore;
let policies: CosmosPolicyStore;
let clients: Map<string, BlobServiceClient>;
let points: FullCopyRestorePointStore;
let queueClient: QueueClient;
let queue: StorageWorkQueue;
let auditLog: TableAuditLog;

beforeAll(async () => {
  const emulators = inject('emulators');
  const opened = await openCosmosTestDatabase('recovery-worker');
  cosmos = opened.client;
  const database = opened.database;
  store = new CosmosActivationStore(
    database.container(Containers.activations.id),
    database.container(Containers.recoveries.id),
    primary,
  );
  devices = new CosmosDeviceStore(database.container(Containers.devices.id), primary);
  tenants = new CosmosTenantStore(database.container(Containers.tenants.id));
  policies = new CosmosPolicyStore(database.container(Containers.policies.id));
  clients = azuriteRegionClients();
  points = new FullCopyRestorePointStore(clients);
  // This vitest worker's own host account: no file running at the same time uses its queues.
  const poolId = Number(process.env['VITEST_POOL_ID'] ?? 0) % (maxTestWorkers + 1);
  const queueService = QueueServiceClient.fromConnectionString(
    azuriteConnectionString(workerHostAccount(poolId), { ...emulators, http: 0 }),
  );
  queue = new StorageWorkQueue(queueService);
  auditLog = new TableAuditLog(
    primary,
    new Map([
      [
        primary,
        TableClient.fromConnectionString(
          azuriteConnectionString(workerHostAccount(poolId), { ...emulators, http: 0 }),
          auditTableName,
          { allowInsecureConnection: true },
        ),
      ],
    ]),
  );
  queueClient = queueService.getQueueClient(QueueNames.deviceRecovery);
  await queueClient.createIfNotExists();
});
afterAll(() => cosmos?.dispose());

beforeEach(async () => {
  // Whatever an earlier test (or file of this worker) left behind, delayed messages included.
  await queueClient.clearMessages();
});

// ---------------------------------------------------------------------------------------------
// The queue: follow-up messages the worker sent.
// ---------------------------------------------------------------------------------------------

interface Received {
  id: string;
  body: RecoveryMessage;
  properties: Record<string, string | number | boolean>;
}

/**
 * Takes (receives and deletes) `count` messages, waiting for delayed ones to become visible (the
 * worker's delays of 10–20 ms are whole seconds on a Storage queue), then checks none is left.
 */
async function take(count: number, timeoutMs = 10_000): Promise<Received[]> {
  const taken: Received[] = [];
  const deadline = Date.now() + timeoutMs;
  while (taken.length < count) {
    const { receivedMessageItems } = await queueClient.receiveMessages({
      numberOfMessages: 32,
      visibilityTimeout: 60,
    });
    for (const item of receivedMessageItems) {
      await queueClient.deleteMessage(item.messageId, item.popReceipt);
      const decoded = decodeWorkMessage(item.messageText);
      expect(decoded, item.messageText).toBeDefined();
      taken.push({
        id: decoded!.id,
        body: decoded!.body as RecoveryMessage,
        properties: decoded!.properties,
      });
    }
    if (taken.length >= count) break;
    if (Date.now() > deadline) {
      throw new Error(`Expected ${count} messages, got ${taken.length}: ${JSON.stringify(taken)}`);
    }
    await sleep(100);
  }
  expect(taken).toHaveLength(count);
  await expectQueueEmpty();
  return taken;
}

/** Takes the one follow-up message the worker should have sent. */
async function takeOne(): Promise<Received> {
  return (await take(1))[0]!;
}

/** No message at all, visible or delayed: the approximate count includes invisible ones. */
async function expectQueueEmpty(): Promise<void> {
  const { approximateMessagesCount } = await queueClient.getProperties();
  expect(approximateMessagesCount).toBe(0);
}

// ---------------------------------------------------------------------------------------------
// One device to recover: its device record, restore points, activation, task and first message.
// ---------------------------------------------------------------------------------------------

/** A clock the test moves by hand (the provider's, deciding when provisioning ends). */
function manualClock(start = Date.now()) {
  let at = start;
  return {
    now: () => new Date(at),
    advance: (ms: number) => {
      at += ms;
    },
  };
}

interface PointSpec {
  takenAt: string;
  verified: boolean;
}

interface MadePoint {
  target: RestorePointTarget;
  point: RestorePoint;
  /** The disk's bytes at the snapshot the point was copied from. */
  bytes: Buffer;
}

interface Scenario {
  tenantId: string;
  activationId: string;
  deviceId: string;
  /** The temporary device's deterministic name. */
  name: string;
  made: MadePoint[];
  compute: SimulatedComputeProvider;
  computeContainer: string;
  worker: RecoveryWorker;
  events: { event: string; properties: Record<string, unknown> }[];
  message: RecoveryMessage;
  releaseMessage: RecoveryMessage;
  request(): Promise<TemporaryDeviceRequest>;
  task(): Promise<RecoveryTask>;
  creations(name?: string): Promise<number>;
  counts(): Promise<Partial<Record<RecoveryState, number>>>;
  temporaryDeviceBytes(name?: string): Promise<Buffer>;
  latestVerified(): MadePoint;
}

interface ScenarioOptions {
  regions?: SimulatedRegionSettings;
  now?: () => Date;
  points?: PointSpec[];
  activationState?: ActivationState;
  /** Leaves the task planned: its message overtook the dispatcher's record of it. */
  leavePlanned?: boolean;
  /** Wraps the provider the worker uses (the test keeps the real one for its checks). */
  wrapCompute?: (compute: SimulatedComputeProvider) => ComputeProvider;
  /** Wraps the store the worker uses, to put another writer between its read and its write. */
  wrapStore?: (store: CosmosActivationStore) => ActivationStore;
  /** The restore-point store the worker uses (the test makes the points with the real one). */
  pointStore?: RestorePointStore;
  /** Wraps the queue the worker sends its follow-ups to, to see what it asked for. */
  wrapQueue?: (queue: StorageWorkQueue) => WorkQueue;
  /** The worker's options over this file's `workerOptions`. */
  worker?: RecoveryWorkerOptions;
}

const oneVerifiedPoint: PointSpec[] = [{ takenAt: '2026-03-01T10:00:00.000Z', verified: true }];

async function madePoint(
  disk: TestDisk,
  tenantId: string,
  deviceId: string,
  spec: PointSpec,
): Promise<MadePoint> {
  const snapshot = await snapshotOf(disk);
  const bytes = await disk.blob.withSnapshot(snapshot.snapshotId).downloadToBuffer();
  const target: RestorePointTarget = {
    region: backup,
    tenantId,
    deviceId,
    takenAt: new Date(spec.takenAt),
    kind: 'scheduled',
  };
  let status = await points.startCopy(snapshot, target);
  for (let i = 0; i < 50 && status.state === 'pending'; i++) status = await points.checkCopy(target);
  expect(status).toEqual({ state: 'copied' });
  let point: RestorePoint;
  if (spec.verified) {
    const verified = await points.verify(snapshot, target);
    expect(verified.ok).toBe(true);
    point = await points.markVerified(target, verified.ok ? verified.hash : '');
  } else {
    point = (await points.list(backup, tenantId, deviceId)).find(
      (p) => p.takenAt === target.takenAt.toISOString(),
    )!;
  }
  expect(point).toMatchObject({ verified: spec.verified, takenAt: target.takenAt.toISOString() });
  return { target, point, bytes };
}

async function scenario(options: ScenarioOptions = {}): Promise<Scenario> {
  const tenantId = randomUUID();
  const activationId = `act-${randomBytes(12).toString('hex')}`;
  const deviceId = uniqueId('pc');
  const name = temporaryDeviceName(activationId, deviceId);
  const now = new Date().toISOString();

  // The device, held by the activation as planning leaves it.
  const disk = await createDisk(clients, 64 * KiB, [
    { offset: 0, bytes: patternBytes(`${deviceId}:boot`, 8 * KiB) },
    { offset: 32 * KiB, bytes: patternBytes(`${deviceId}:data`, 4 * KiB) },
  ]);
  await devices.register(
    {
      id: deviceId,
      tenantId,
      upn: `${deviceId}@contoso.test`,
      primaryRegion: primary,
      disk: disk.ref,
      policyId: 'hourly',
      priorityTier: wave,
      protection: { backupRegion: backup, rpoHours: 1, enabled: true },
      nextDueAt: now,
      announced: 'not-yet-protected',
      createdAt: now,
      updatedAt: now,
    },
    10,
  );
  expect(
    await devices.claimForRecovery(tenantId, deviceId, {
      activationId,
      state: 'recovering',
      backupRegion: backup,
      since: now,
    }),
  ).toBe(true);

  // Restore points, oldest first, the disk written between them so each holds different bytes.
  const made: MadePoint[] = [];
  for (const [index, spec] of (options.points ?? oneVerifiedPoint).entries()) {
    if (index > 0) await disk.blob.uploadPages(patternBytes(`${deviceId}:${index}`, 4 * KiB), 0, 4 * KiB);
    made.push(await madePoint(disk, tenantId, deviceId, spec));
  }

  const activation: Activation = {
    id: activationId,
    tenantId,
    idempotencyKey: randomUUID(),
    requestHash: 'hash',
    scope: { kind: 'devices', deviceIds: [deviceId] },
    recoverFirst: [],
    waveDeadlineMinutes: 30,
    state: options.activationState ?? 'recovering',
    requestedBy: 'operator@contoso.test',
    requestedAt: now,
    waves: [{ wave, startedAt: now, deadlineAt: new Date(Date.now() + 30 * 60_000).toISOString() }],
    owner: { region: primary, epoch: 1, leaseUntil: new Date(Date.now() + 60_000).toISOString() },
    updatedAt: now,
  };
  await store.create(activation);

  // The task, planned then queued by dispatch 1, as the driver's dispatch leaves it.
  await store.addTasks([
    {
      id: recoveryTaskId(activationId, deviceId),
      activationId,
      tenantId,
      deviceId,
      upn: `${deviceId}@contoso.test`,
      primaryRegion: primary,
      backupRegion: backup,
      priorityTier: wave,
      wave,
      state: 'planned',
      attempt: 0,
      dispatch: 0,
      updatedAt: now,
    },
  ]);
  if (!options.leavePlanned) {
    const planned = await store.getTask(activationId, deviceId);
    const queued = await store.moveTask(planned!, {
      state: 'queued',
      dispatch: 1,
      dispatchedAt: now,
      updatedAt: now,
    });
    expect(queued).toMatchObject({ state: 'queued', dispatch: 1 });
  }

  const computeContainer = uniqueId('rw-devices');
  const providerOptions: SimulatedComputeOptions = {
    containerName: computeContainer,
    recordsContainerName: uniqueId('rw-records'),
    ...(options.regions ? { regions: { [backup]: options.regions } } : {}),
    ...(options.now ? { now: options.now } : {}),
  };
  const compute = new SimulatedComputeProvider(clients, providerOptions);
  const events: Scenario['events'] = [];
  const eventLog: EventLog = { emit: (event, properties) => void events.push({ event, properties }) };
  const worker = new RecoveryWorker(
    {
      store: options.wrapStore ? options.wrapStore(store) : store,
      devices,
      policies,
      tenants,
      points: options.pointStore ?? points,
      compute: options.wrapCompute ? options.wrapCompute(compute) : compute,
      queue: options.wrapQueue ? options.wrapQueue(queue) : queue,
      events: eventLog,
      audit: new AuditTrail(auditLog, eventLog, systemClock, primary),
      clock: { now: () => new Date() },
    },
    { ...workerOptions, ...options.worker },
  );

  const message: RecoveryMessage = {
    kind: 'recover',
    tenantId,
    activationId,
    deviceId,
    dispatch: 1,
    epoch: 1,
    seq: 0,
  };
  const latestVerified = () => {
    const verified = made.filter((m) => m.point.verified);
    return verified[verified.length - 1]!;
  };
  return {
    tenantId,
    activationId,
    deviceId,
    name,
    made,
    compute,
    computeContainer,
    worker,
    events,
    message,
    releaseMessage: { ...message, kind: 'release', dispatch: 2 },
    latestVerified,
    async request() {
      return {
        name,
        region: backup,
        image: { kind: 'blobUrl' as const, url: await points.readUrl(latestVerified().point) },
        tags: { tenantId, activationId, deviceId },
        user: `${deviceId}@contoso.test`,
      };
    },
    async task() {
      const task = await store.getTask(activationId, deviceId);
      expect(task).toBeDefined();
      return task!;
    },
    async creations(of = name) {
      return (await compute.creations(backup)).get(of) ?? 0;
    },
    async counts() {
      const counts = await store.counts(activationId);
      expect(
        Object.keys(counts)
          .map(Number)
          .every((w) => w === wave),
      ).toBe(true);
      return Object.fromEntries(
        recoveryStates.map((s) => [s, countIn(counts, [s], wave)]).filter(([, n]) => n !== 0),
      );
    },
    async temporaryDeviceBytes(of = name) {
      return await clients
        .get(backup)!
        .getContainerClient(computeContainer)
        .getPageBlobClient(of)
        .downloadToBuffer();
    },
  };
}

/** The task's fields the worker does not own stay as the set-up wrote them. */
function expectUntouchedIdentity(task: RecoveryTask, s: Scenario): void {
  expect(task).toMatchObject({
    id: recoveryTaskId(s.activationId, s.deviceId),
    activationId: s.activationId,
    tenantId: s.tenantId,
    deviceId: s.deviceId,
    backupRegion: backup,
    wave,
  });
}

// ---------------------------------------------------------------------------------------------

describe('the queue checks of these tests', () => {
  it('count a delayed message still invisible, so "queue empty" means no follow-up at all', async () => {
    await expectQueueEmpty();
    await queue.send(QueueNames.deviceRecovery, [{ id: 'probe', body: {} }], { delayInMs: 30_000 });
    const { approximateMessagesCount } = await queueClient.getProperties();
    expect(approximateMessagesCount).toBe(1);
    expect((await queueClient.receiveMessages({ numberOfMessages: 32 })).receivedMessageItems).toEqual([]);
    await queueClient.clearMessages();
    await expectQueueEmpty();
  });
});

describe('RecoveryWorker: recovery', () => {
  it('recovers the device from the latest verified point onto its named temporary device', async () => {
    const s = await scenario({
      points: [
        { takenAt: '2026-03-01T08:00:00.000Z', verified: true },
        { takenAt: '2026-03-01T09:00:00.000Z', verified: true },
        // Newer, but never verified: not offered.
        { takenAt: '2026-03-01T10:00:00.000Z', verified: false },
      ],
    });
    const latest = s.made[1]!;
    expect(s.latestVerified()).toBe(latest);
    expect(s.made.map((m) => m.bytes.equals(latest.bytes))).toEqual([false, true, false]);

    expect(await s.worker.handle(s.message)).toBe<RecoveryOutcome>('recovered');

    const task = await s.task();
    expectUntouchedIdentity(task, s);
    expect(task).toMatchObject({
      state: 'recovered',
      dispatch: 1,
      attempt: 0,
      restorePoint: { name: latest.point.name, takenAt: '2026-03-01T09:00:00.000Z' },
      temporaryDevice: { name: s.name, region: backup },
      recoveredAt: expect.any(String),
    });
    expect(s.name).toBe(temporaryDeviceName(s.activationId, s.deviceId));

    const device = await devices.get(s.tenantId, s.deviceId);
    expect(device?.recovery).toEqual({
      activationId: s.activationId,
      state: 'active',
      backupRegion: backup,
      temporaryDevice: s.name,
      since: task.recoveredAt,
    });

    expect(await s.creations()).toBe(1);
    expect((await s.compute.getTemporaryDevice(backup, s.name))?.status.state).toBe('ready');
    expect((await s.compute.getTemporaryDevice(backup, s.name))?.tags).toEqual({
      tenantId: s.tenantId,
      activationId: s.activationId,
      deviceId: s.deviceId,
    });
    // The temporary device holds the restore point's bytes: the disk as it was at that snapshot.
    expect((await s.temporaryDeviceBytes()).equals(latest.bytes)).toBe(true);

    expect(await s.counts()).toEqual({ recovered: 1 });
    expect(s.events).toEqual([
      {
        event: 'recovery.recovered',
        properties: {
          tenantId: s.tenantId,
          activationId: s.activationId,
          deviceId: s.deviceId,
          restorePoint: latest.point.name,
          temporaryDevice: s.name,
        },
      },
    ]);
    // Ready at once: no check was needed.
    await expectQueueEmpty();
  });

  it('recovers from its own tenant’s point, never from another tenant’s device of the same id', async () => {
    const s = await scenario();
    // Device ids are unique within a tenant only: another tenant's device of the same id, protected
    // into the same backup region, has a newer verified point with other bytes.
    const otherDisk = await createDisk(clients, 64 * KiB, [
      { offset: 0, bytes: patternBytes(`${s.deviceId}:other-tenant`, 8 * KiB) },
    ]);
    const other = await madePoint(otherDisk, randomUUID(), s.deviceId, {
      takenAt: '2026-03-01T11:00:00.000Z',
      verified: true,
    });
    expect(other.bytes.equals(s.latestVerified().bytes)).toBe(false);

    expect(await s.worker.handle(s.message)).toBe<RecoveryOutcome>('recovered');
    expect(await s.task()).toMatchObject({
      state: 'recovered',
      restorePoint: { name: s.latestVerified().point.name, takenAt: '2026-03-01T10:00:00.000Z' },
    });
    expect((await s.temporaryDeviceBytes()).equals(s.latestVerified().bytes)).toBe(true);
  });

  it('fails, rather than take another tenant’s point, when only a device of the same id elsewhere has one', async () => {
    const s = await scenario({ points: [] });
    const otherDisk = await createDisk(clients, 64 * KiB, [
      { offset: 0, bytes: patternBytes(`${s.deviceId}:other-tenant`, 8 * KiB) },
    ]);
    await madePoint(otherDisk, randomUUID(), s.deviceId, {
      takenAt: '2026-03-01T11:00:00.000Z',
      verified: true,
    });

    expect(await s.worker.handle(s.message)).toBe('failed');
    expect((await s.task()).reason).toBe(`No verified restore point of ${s.deviceId} in ${backup}`);
    expect(await s.creations()).toBe(0);
    await expectQueueEmpty();
  });

  it('takes a task still planned as queued when its message overtook the dispatcher’s record', async () => {
    const s = await scenario({ leavePlanned: true });
    expect(await s.task()).toMatchObject({ state: 'planned', dispatch: 0 });
    expect(await s.counts()).toEqual({ planned: 1 });

    expect(await s.worker.handle(s.message)).toBe('recovered');
    expect(await s.task()).toMatchObject({
      state: 'recovered',
      dispatch: 1,
      dispatchedAt: expect.any(String),
      temporaryDevice: { name: s.name, region: backup },
    });
    expect(await s.creations()).toBe(1);
    expect(await s.counts()).toEqual({ recovered: 1 });
  });

  it('reads the task again when the dispatcher records it between the worker’s read and write', async () => {
    let raced = false;
    const s = await scenario({
      leavePlanned: true,
      wrapStore: (real) =>
        Object.assign(Object.create(real) as CosmosActivationStore, {
          async moveTask(task: RecoveryTask, next: Partial<RecoveryTask> & Pick<RecoveryTask, 'state'>) {
            if (!raced && task.state === 'planned') {
              raced = true;
              // The driver's dispatch recording its send, just before the worker's own move.
              await real.moveTask(task, { state: 'queued', dispatch: 1, epoch: 1 });
            }
            return await real.moveTask(task, next);
          },
        }),
    });

    expect(await s.worker.handle(s.message)).toBe('recovered');
    expect(raced).toBe(true);
    expect(await s.task()).toMatchObject({ state: 'recovered', dispatch: 1, epoch: 1 });
    expect(await s.creations()).toBe(1);
    expect(await s.counts()).toEqual({ recovered: 1 });
  });

  it('handled twice in a row, creates once and records once', async () => {
    const s = await scenario();
    expect(await s.worker.handle(s.message)).toBe('recovered');
    const first = await s.task();
    expect(await s.worker.handle(s.message)).toBe('nothing-to-do');

    expect(await s.creations()).toBe(1);
    expect(await s.task()).toEqual(first);
    expect(await s.counts()).toEqual({ recovered: 1 });
    expect(countIn(await store.counts(s.activationId), ['queued'])).toBe(0);
    expect(s.events.filter((e) => e.event === 'recovery.recovered')).toHaveLength(1);
    await expectQueueEmpty();
  });

  it('delivered five times at once, creates once and records once', async () => {
    const s = await scenario();
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => s.worker.handle(s.message)));

    expect(outcomes.filter((o) => o === 'recovered')).toHaveLength(1);
    for (const outcome of outcomes.filter((o) => o !== 'recovered'))
      expect(['stale', 'nothing-to-do']).toContain(outcome);
    expect(await s.creations()).toBe(1);
    expect(await s.task()).toMatchObject({ state: 'recovered', attempt: 0, dispatch: 1 });
    expect(await s.counts()).toEqual({ recovered: 1 });
    expect(countIn(await store.counts(s.activationId), ['queued'])).toBe(0);
    expect(s.events.filter((e) => e.event === 'recovery.recovered')).toHaveLength(1);
    expect((await s.temporaryDeviceBytes()).equals(s.latestVerified().bytes)).toBe(true);
    expect((await devices.get(s.tenantId, s.deviceId))?.recovery).toMatchObject({
      state: 'active',
      temporaryDevice: s.name,
    });
    await expectQueueEmpty();
  });

  it('after a crash between provisioning and recording, finds the device and creates nothing more', async () => {
    const s = await scenario();
    // A previous delivery provisioned the device, then died before recording anything.
    expect((await s.compute.ensureTemporaryDevice(await s.request())).state).toBe('ready');
    expect(await s.creations()).toBe(1);
    expect((await s.task()).state).toBe('queued');

    expect(await s.worker.handle(s.message)).toBe('recovered');
    expect(await s.creations()).toBe(1);
    expect(await s.task()).toMatchObject({
      state: 'recovered',
      temporaryDevice: { name: s.name, region: backup },
    });
    expect(await s.counts()).toEqual({ recovered: 1 });
    expect((await devices.get(s.tenantId, s.deviceId))?.recovery?.state).toBe('active');
  });
});

describe('RecoveryWorker: start–record–check', () => {
  it('records provisioning and chains checks (seq 1, 2, …) until the device is ready', async () => {
    const clock = manualClock();
    const s = await scenario({ regions: { provisioningMs: 300 }, now: clock.now });

    expect(await s.worker.handle(s.message)).toBe('provisioning');
    const provisioning = await s.task();
    expect(provisioning).toMatchObject({
      state: 'provisioning',
      dispatch: 1,
      attempt: 0,
      restorePoint: { name: s.latestVerified().point.name },
      temporaryDevice: { name: s.name, region: backup },
    });
    expect(provisioning.recoveredAt).toBeUndefined();
    expect(await s.counts()).toEqual({ provisioning: 1 });
    // The user's status is not active yet.
    expect((await devices.get(s.tenantId, s.deviceId))?.recovery?.state).toBe('recovering');

    const check1 = await takeOne();
    expect(check1.body).toEqual({ ...s.message, seq: 1 });
    expect(check1.id).toBe(recoveryMessageId({ ...s.message, seq: 1 }));
    expect(check1.id).toBe(`${s.activationId}:${s.deviceId}:1.1`);
    expect(check1.properties).toEqual({ kind: 'recover', activationId: s.activationId });

    // Checked before it is ready: still provisioning, and the next check is seq 2.
    clock.advance(299);
    expect(await s.worker.handle(check1.body)).toBe('provisioning');
    const check2 = await takeOne();
    expect(check2.body).toEqual({ ...s.message, seq: 2 });
    expect(await s.task()).toMatchObject({ state: 'provisioning', attempt: 0 });

    clock.advance(1);
    expect(await s.worker.handle(check2.body)).toBe('recovered');
    expect(await s.task()).toMatchObject({
      state: 'recovered',
      restorePoint: { name: s.latestVerified().point.name },
      temporaryDevice: { name: s.name, region: backup },
    });
    expect(await s.creations()).toBe(1);
    expect(await s.counts()).toEqual({ recovered: 1 });
    expect((await devices.get(s.tenantId, s.deviceId))?.recovery).toMatchObject({
      state: 'active',
      temporaryDevice: s.name,
    });
    expect((await s.temporaryDeviceBytes()).equals(s.latestVerified().bytes)).toBe(true);
    // The chain ends with the recovery; an old check delivered again changes nothing.
    await expectQueueEmpty();
    expect(await s.worker.handle(check1.body)).toBe('nothing-to-do');
    expect(await s.creations()).toBe(1);
  });

  it('waits for capacity with its point kept, then recovers once capacity is released', async () => {
    const s = await scenario({ regions: { capacity: 1 } });
    // Another temporary device holds the region's only place.
    const occupant = { ...(await s.request()), name: uniqueId('tmp-occupant') };
    expect((await s.compute.ensureTemporaryDevice(occupant)).state).toBe('ready');

    expect(await s.worker.handle(s.message)).toBe('waiting-for-capacity');
    const waiting = await s.task();
    expect(waiting).toMatchObject({
      state: 'waiting-for-capacity',
      reason: expect.stringMatching(/^no-capacity: .*northeurope/),
      capacityWaits: 1,
      attempt: 0,
      restorePoint: { name: s.latestVerified().point.name },
    });
    expect(await s.counts()).toEqual({ 'waiting-for-capacity': 1 });
    expect(await s.creations()).toBe(0);
    expect(s.events).toEqual([
      {
        event: 'recovery.waiting-for-capacity',
        properties: {
          tenantId: s.tenantId,
          activationId: s.activationId,
          deviceId: s.deviceId,
          region: backup,
          kind: 'no-capacity',
        },
      },
    ]);
    // Nothing is lost while it waits: the point is still there, still verified.
    expect(await points.list(backup, s.tenantId, s.deviceId)).toContainEqual(s.latestVerified().point);
    expect(await points.latestVerified(backup, s.tenantId, s.deviceId)).toEqual(s.latestVerified().point);

    const retry1 = await takeOne();
    expect(retry1.body).toEqual({ ...s.message, seq: 1 });

    // Still full: waits again, counted, and not announced a second time.
    expect(await s.worker.handle(retry1.body)).toBe('waiting-for-capacity');
    expect(await s.task()).toMatchObject({ state: 'waiting-for-capacity', capacityWaits: 2, attempt: 0 });
    expect(s.events).toHaveLength(1);
    const retry2 = await takeOne();
    expect(retry2.body).toEqual({ ...s.message, seq: 2 });

    await s.compute.deleteTemporaryDevice(backup, occupant.name);
    expect(await s.worker.handle(retry2.body)).toBe('recovered');
    expect(await s.task()).toMatchObject({
      state: 'recovered',
      attempt: 0,
      restorePoint: { name: s.latestVerified().point.name },
      temporaryDevice: { name: s.name, region: backup },
    });
    expect(await s.creations()).toBe(1);
    expect(await s.creations(occupant.name)).toBe(1);
    expect(await s.counts()).toEqual({ recovered: 1 });
    expect((await s.temporaryDeviceBytes()).equals(s.latestVerified().bytes)).toBe(true);
    await expectQueueEmpty();
  });

  it('retries failed provisioning with back-off up to maxAttempts, then fails with the reason', async () => {
    const s = await scenario({ regions: { failureRate: 1 } });
    const reason = expect.stringContaining('simulated provisioning failure');

    expect(await s.worker.handle(s.message)).toBe('retrying');
    expect(await s.task()).toMatchObject({ state: 'queued', attempt: 1, reason });
    expect(await s.creations()).toBe(1);
    const retry1 = await takeOne();
    expect(retry1.body).toEqual({ ...s.message, seq: 1 });

    // Each retry finds the failed device and starts it over: a new creation.
    expect(await s.worker.handle(retry1.body)).toBe('retrying');
    expect(await s.task()).toMatchObject({ state: 'queued', attempt: 2, reason });
    expect(await s.creations()).toBe(2);
    const retry2 = await takeOne();
    expect(retry2.body).toEqual({ ...s.message, seq: 2 });

    // The third attempt reaches maxAttempts (3): failed, and the chain ends.
    expect(await s.worker.handle(retry2.body)).toBe('failed');
    const failed = await s.task();
    expect(failed).toMatchObject({ state: 'failed', attempt: 3, reason });
    expect(failed.recoveredAt).toBeUndefined();
    expect(await s.creations()).toBe(workerOptions.maxAttempts);
    await expectQueueEmpty();
    expect(await s.counts()).toEqual({ failed: 1 });
    expect(s.events).toEqual([
      {
        event: 'recovery.failed',
        properties: {
          tenantId: s.tenantId,
          activationId: s.activationId,
          deviceId: s.deviceId,
          attempts: 3,
          reason: failed.reason,
        },
      },
    ]);
    // The user's status never said active.
    expect((await devices.get(s.tenantId, s.deviceId))?.recovery?.state).toBe('recovering');

    // Settled: a late duplicate of the last retry does nothing.
    expect(await s.worker.handle(retry2.body)).toBe('nothing-to-do');
    expect(await s.creations()).toBe(3);
    await expectQueueEmpty();
  });

  it('does not retry in lockstep: two workers whose provisioning failed together ask again at different times', async () => {
    // Two processes, each with its own random source, as two instances of the app have.
    const worker = (seed: number) => ({
      retryBaseDelayInMs: 60_000,
      retryMaxDelayInMs: 600_000,
      random: seededRandom(seed),
    });
    const delays: Record<'a' | 'b', number[]> = { a: [], b: [] };
    const recording =
      (into: number[]) =>
      (real: StorageWorkQueue): WorkQueue => ({
        async send(name, messages, sendOptions) {
          into.push(sendOptions?.delayInMs ?? 0);
          await real.send(name, messages, sendOptions);
        },
      });
    const a = await scenario({
      regions: { failureRate: 1 },
      worker: worker(1),
      wrapQueue: recording(delays.a),
    });
    const b = await scenario({
      regions: { failureRate: 1 },
      worker: worker(2),
      wrapQueue: recording(delays.b),
    });

    const [outcomeA, outcomeB] = await Promise.all([a.worker.handle(a.message), b.worker.handle(b.message)]);
    expect([outcomeA, outcomeB]).toEqual(['retrying', 'retrying']);
    expect(await a.task()).toMatchObject({ attempt: 1 });
    expect(await b.task()).toMatchObject({ attempt: 1 });
    // The same retry of the same policy: both within its window, [base/2, base], not both at its end.
    for (const [delay] of [delays.a, delays.b]) {
      expect(delay).toBeGreaterThanOrEqual(30_000);
      expect(delay).toBeLessThanOrEqual(60_000);
    }
    expect(delays.a).toHaveLength(1);
    expect(delays.b).toHaveLength(1);
    expect(delays.a[0]).not.toBe(delays.b[0]);
  });

  it('fails the delivery, for the queue host to deliver again, while the backup region’s points cannot be read', async () => {
    const unreachable = new FullCopyRestorePointStore(new Map([[backup, unreachableClient()]]));
    const s = await scenario({ pointStore: unreachable });
    const before = await s.task();

    await expect(s.worker.handle(s.message)).rejects.toThrow(/ECONNREFUSED/);
    expect(await s.task()).toEqual(before);
    expect(await s.creations()).toBe(0);
    await expectQueueEmpty();
  });

  it('fails at once, naming the region, when no restore point is verified there; creates nothing', async () => {
    for (const pointSpecs of [[], [{ takenAt: '2026-03-01T10:00:00.000Z', verified: false }]]) {
      const s = await scenario({ points: pointSpecs });
      expect(await s.worker.handle(s.message)).toBe('failed');
      const task = await s.task();
      expect(task).toMatchObject({ state: 'failed', attempt: 0 });
      expect(task.reason).toBe(`No verified restore point of ${s.deviceId} in ${backup}`);
      expect(await s.creations()).toBe(0);
      expect((await s.compute.creations(backup)).size).toBe(0);
      expect(await s.counts()).toEqual({ failed: 1 });
      expect(s.events.map((e) => e.event)).toEqual(['recovery.failed']);
      await expectQueueEmpty();
    }
  });
});

describe('RecoveryWorker: stale, settled and cancelled', () => {
  it('drops a message of an older dispatch, changing nothing', async () => {
    const s = await scenario();
    // Re-dispatched (an adoption): the task is at dispatch 2 now.
    const redispatched = await store.moveTask(await s.task(), { state: 'queued', dispatch: 2 });
    expect(redispatched?.dispatch).toBe(2);

    expect(await s.worker.handle(s.message)).toBe('stale');
    expect(await s.task()).toEqual(redispatched);
    expect(await s.creations()).toBe(0);
    expect(await s.counts()).toEqual({ queued: 1 });
    expect(s.events).toEqual([]);
    await expectQueueEmpty();

    // The current dispatch's message recovers, and records that dispatch.
    expect(await s.worker.handle({ ...s.message, dispatch: 2 })).toBe('recovered');
    expect(await s.task()).toMatchObject({ state: 'recovered', dispatch: 2 });
  });

  it('answers stale for a task that does not exist', async () => {
    const s = await scenario();
    expect(await s.worker.handle({ ...s.message, deviceId: uniqueId('pc') })).toBe('stale');
    expect(
      await s.worker.handle({ ...s.message, activationId: `act-${randomBytes(12).toString('hex')}` }),
    ).toBe('stale');
    expect((await s.compute.creations(backup)).size).toBe(0);
  });

  it('does nothing for a task already recovered', async () => {
    const s = await scenario();
    expect(await s.worker.handle(s.message)).toBe('recovered');
    const recovered = await s.task();
    // Any later message of the chain, or of a later dispatch.
    for (const message of [s.message, { ...s.message, seq: 3 }, { ...s.message, dispatch: 2 }]) {
      expect(await s.worker.handle(message)).toBe('nothing-to-do');
    }
    expect(await s.task()).toEqual(recovered);
    expect(await s.creations()).toBe(1);
    expect(await s.counts()).toEqual({ recovered: 1 });
  });

  it('cancels a queued task of a cancelled activation, creating nothing', async () => {
    const s = await scenario({ activationState: 'cancelled' });
    expect(await s.worker.handle(s.message)).toBe('cancelled');
    expect(await s.task()).toMatchObject({ state: 'cancelled', reason: 'activation cancelled', dispatch: 1 });
    expect(await s.creations()).toBe(0);
    expect(await s.counts()).toEqual({ cancelled: 1 });
    await expectQueueEmpty();
    // Settled: again is nothing.
    expect(await s.worker.handle(s.message)).toBe('nothing-to-do');
  });

  it('leaves a task alone while its activation is being deactivated: the release will come', async () => {
    const s = await scenario({ activationState: 'deactivating' });
    const before = await s.task();
    expect(await s.worker.handle(s.message)).toBe('nothing-to-do');
    expect(await s.task()).toEqual(before);
    expect(await s.creations()).toBe(0);
    await expectQueueEmpty();
  });

  it('lets a device whose provisioning already started finish after a cancel', async () => {
    const clock = manualClock();
    const s = await scenario({ regions: { provisioningMs: 1_000 }, now: clock.now });
    expect(await s.worker.handle(s.message)).toBe('provisioning');
    const check = await takeOne();

    const activation = (await store.get(s.tenantId, s.activationId))!;
    await store.replace({ ...activation, state: 'cancelled' }, activation.version!);
    clock.advance(1_000);
    expect(await s.worker.handle(check.body)).toBe('recovered');
    expect(await s.task()).toMatchObject({ state: 'recovered' });
    expect(await s.creations()).toBe(1);
  });
});

describe('RecoveryWorker: release', () => {
  it('deletes the temporary device, clears the device’s recovery and marks the task released; once', async () => {
    const s = await scenario();
    expect(await s.worker.handle(s.message)).toBe('recovered');
    expect(await s.compute.getTemporaryDevice(backup, s.name)).toBeDefined();

    expect(await s.worker.handle(s.releaseMessage)).toBe('released');
    expect(await s.compute.getTemporaryDevice(backup, s.name)).toBeUndefined();
    expect((await devices.get(s.tenantId, s.deviceId))?.recovery).toBeUndefined();
    const released = await s.task();
    expect(released).toMatchObject({
      state: 'released',
      dispatch: 2,
      releasedAt: expect.any(String),
      // What it was recovered from and onto stays on record.
      temporaryDevice: { name: s.name, region: backup },
      restorePoint: { name: s.latestVerified().point.name },
    });
    expect(await s.counts()).toEqual({ released: 1 });

    expect(await s.worker.handle(s.releaseMessage)).toBe('nothing-to-do');
    expect(await s.task()).toEqual(released);
    // The old recovery chain is over for good.
    expect(await s.worker.handle(s.message)).toBe('stale');
    expect(await s.compute.getTemporaryDevice(backup, s.name)).toBeUndefined();
    expect(await s.creations()).toBe(1);
    await expectQueueEmpty();
  });

  it('releases a task the driver already marked releasing, and drops a release of an older dispatch', async () => {
    const s = await scenario();
    expect(await s.worker.handle(s.message)).toBe('recovered');
    // The deactivation driver sent the release (dispatch 2) and marked the task releasing.
    const marked = await store.moveTask(await s.task(), { state: 'releasing', dispatch: 2 });
    expect(marked).toMatchObject({ state: 'releasing', dispatch: 2 });
    // An adopter sent it again, as dispatch 3: the first release message is now stale.
    const readopted = await store.moveTask(marked!, { state: 'releasing', dispatch: 3 });
    expect(readopted).toMatchObject({ state: 'releasing', dispatch: 3 });
    expect(await s.counts()).toEqual({ releasing: 1 });

    expect(await s.worker.handle(s.releaseMessage)).toBe('stale');
    expect(await s.task()).toEqual(readopted);
    expect(await s.compute.getTemporaryDevice(backup, s.name)).toBeDefined();

    expect(await s.worker.handle({ ...s.releaseMessage, dispatch: 3 })).toBe('released');
    expect(await s.task()).toMatchObject({ state: 'released', dispatch: 3 });
    expect(await s.compute.getTemporaryDevice(backup, s.name)).toBeUndefined();
    expect((await devices.get(s.tenantId, s.deviceId))?.recovery).toBeUndefined();
    expect(await s.counts()).toEqual({ released: 1 });
    // A recover delivered late for the releasing-then-released task does nothing.
    expect(await s.worker.handle({ ...s.message, dispatch: 3 })).toBe('nothing-to-do');
    expect(await s.creations()).toBe(1);
  });

  it('released before the recovery ran: the late recover message is stale and no device is left', async () => {
    const s = await scenario();
    expect(await s.worker.handle(s.releaseMessage)).toBe('released');
    expect(await s.task()).toMatchObject({ state: 'released', dispatch: 2 });
    expect((await devices.get(s.tenantId, s.deviceId))?.recovery).toBeUndefined();

    expect(await s.worker.handle(s.message)).toBe('stale');
    expect(await s.compute.getTemporaryDevice(backup, s.name)).toBeUndefined();
    expect(await s.creations()).toBe(0);
    expect(await s.counts()).toEqual({ released: 1 });
    expect((await devices.get(s.tenantId, s.deviceId))?.recovery).toBeUndefined();
    await expectQueueEmpty();
  });

  it('released while provisioning: the pending check is stale and the device is gone', async () => {
    const clock = manualClock();
    const s = await scenario({ regions: { provisioningMs: 1_000 }, now: clock.now });
    expect(await s.worker.handle(s.message)).toBe('provisioning');
    const check = await takeOne();
    expect(await s.creations()).toBe(1);

    expect(await s.worker.handle(s.releaseMessage)).toBe('released');
    expect(await s.compute.getTemporaryDevice(backup, s.name)).toBeUndefined();
    clock.advance(1_000);
    expect(await s.worker.handle(check.body)).toBe('stale');
    expect(await s.compute.getTemporaryDevice(backup, s.name)).toBeUndefined();
    expect(await s.creations()).toBe(1);
    expect(await s.counts()).toEqual({ released: 1 });
    await expectQueueEmpty();
  });

  it('a release landing while a recover is creating the device leaves only an orphan the sweeper removes', async () => {
    // The release runs inside the recover's call to the provider: after the recover read the
    // task, before the device exists. The recover then creates it and loses the task's move.
    let during: (() => Promise<void>) | undefined;
    const s = await scenario({
      wrapCompute: (real) => ({
        ensureTemporaryDevice: async (request) => {
          await during?.();
          return await real.ensureTemporaryDevice(request);
        },
        getTemporaryDevice: (region, name) => real.getTemporaryDevice(region, name),
        deleteTemporaryDevice: (region, name) => real.deleteTemporaryDevice(region, name),
        listTemporaryDevices: (region) => real.listTemporaryDevices(region),
      }),
    });
    let released: RecoveryOutcome | undefined;
    during = async () => {
      during = undefined;
      released = await s.worker.handle(s.releaseMessage);
    };

    expect(await s.worker.handle(s.message)).toBe('stale');
    expect(released).toBe('released');
    expect(await s.task()).toMatchObject({ state: 'released', dispatch: 2 });
    // The user's status was not set active behind the release.
    expect((await devices.get(s.tenantId, s.deviceId))?.recovery).toBeUndefined();
    expect(s.events.filter((e) => e.event === 'recovery.recovered')).toEqual([]);
    // The device the recover created outlived its task: the sweeper's job.
    expect(await s.compute.getTemporaryDevice(backup, s.name)).toBeDefined();
    const sweeper = new TemporaryDeviceSweeper(store, s.compute, tenants, [backup], {
      emit: () => undefined,
    });
    // Its tenant unknown to this deployment, the device is not this sweeper's to judge.
    expect(await sweeper.sweep()).toEqual({ checked: 1, removed: 0, foreign: 1 });
    const at = new Date().toISOString();
    await tenants.create({
      id: s.tenantId,
      name: 'Contoso',
      licences: 10,
      allowedBackupRegions: [backup],
      diskScopes: [],
      regionsInOutage: [],
      createdAt: at,
      updatedAt: at,
    });
    expect(await sweeper.sweep()).toEqual({ checked: 1, removed: 1, foreign: 0 });
    expect(await s.compute.getTemporaryDevice(backup, s.name)).toBeUndefined();
  });

  it('releases a device by the connection its ready state reported, so its session host goes by name', async () => {
    const connection = {
      hostPoolId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.DesktopVirtualization/hostPools/hp',
      sessionHost: 'pc.contoso.com',
    };
    const deletions: unknown[][] = [];
    const s = await scenario({
      wrapCompute: (real) => ({
        ensureTemporaryDevice: async (request) => {
          const state = await real.ensureTemporaryDevice(request);
          return state.state === 'ready' ? { ...state, connection } : state;
        },
        getTemporaryDevice: (region, name) => real.getTemporaryDevice(region, name),
        deleteTemporaryDevice: async (...args) => {
          deletions.push(args);
          await real.deleteTemporaryDevice(args[0], args[1]);
        },
        listTemporaryDevices: (region) => real.listTemporaryDevices(region),
      }),
    });
    expect(await s.worker.handle(s.message)).toBe('recovered');
    expect(await s.task()).toMatchObject({ temporaryDevice: { connection } });

    expect(await s.worker.handle(s.releaseMessage)).toBe('released');
    expect(deletions).toEqual([[backup, s.name, undefined, connection]]);
    expect(await s.compute.getTemporaryDevice(backup, s.name)).toBeUndefined();
  });

  it('releases a failed task, deleting the failed device it left', async () => {
    const s = await scenario({ regions: { failureRate: 1 } });
    expect(await s.worker.handle(s.message)).toBe('retrying');
    const retry1 = await takeOne();
    expect(await s.worker.handle(retry1.body)).toBe('retrying');
    const retry2 = await takeOne();
    expect(await s.worker.handle(retry2.body)).toBe('failed');
    // A failed device stays until released.
    expect((await s.compute.getTemporaryDevice(backup, s.name))?.status.state).toBe('failed');

    expect(await s.worker.handle(s.releaseMessage)).toBe('released');
    expect(await s.compute.getTemporaryDevice(backup, s.name)).toBeUndefined();
    expect(await s.task()).toMatchObject({ state: 'released', reason: expect.any(String) });
    expect(await s.counts()).toEqual({ released: 1 });
  });
});
