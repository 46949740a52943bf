/**
 * The activation driver's steps, and the adopter, with the region's audit table not answering:
 * activations and tasks in the Cosmos emulator, an audit log whose writes hang until the test lets
 * them through. A step waits for its audit record only briefly, so the driver is never held up by
 * it (before, an activation of a region whose storage refused waited ~18 s at its start and at every
 * wave, and a busy machine's test gave up with every device recovered); the record still lands.
 */
import type { CosmosClient } from '@azure/cosmos';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CosmosActivationStore } from '../../src/adapters/cosmos/CosmosActivationStore';
import { Containers } from '../../src/adapters/cosmos/containers';
import { ActivationAdopter } from '../../src/app/ActivationAdopter';
import type { ActivationService } from '../../src/app/ActivationService';
import { ActivationSteps } from '../../src/app/ActivationSteps';
import type { ActivationDriverInput } from '../../src/app/activationOrchestrations';
import { AuditTrail } from '../../src/app/AuditTrail';
import type { AuditRecord, NewAuditRecord } from '../../src/domain/audit';
import type { Activation } from '../../src/domain/activation';
import type { RecoveryTask } from '../../src/domain/recoveryTask';
import type { AuditLog } from '../../src/ports/AuditLog';
import { systemClock } from '../../src/ports/Clock';
import type { DeviceStore } from '../../src/ports/DeviceStore';
import type { EventLog } from '../../src/ports/EventLog';
import type { OrchestrationClient } from '../../src/ports/OrchestrationClient';
import type { TenantStore } from '../../src/ports/TenantStore';
import type { WorkQueue } from '../../src/ports/WorkQueue';
import { openCosmosTestDatabase } from '../support/cosmosTestDatabase';

const region = 'westeurope';
const leaseInMs = 60_000;
/** The bound these tests give a step's wait for its audit record. */
const auditWaitInMs = 300;
/** What a step may take here, generously: the store's own calls on a busy machine, not an audit. */
const stepBoundInMs = 10_000;

/** An audit table that takes every write and answers none of them until `answer()`. */
class HangingAuditLog implements AuditLog {
  readonly written: NewAuditRecord[] = [];
  private open = false;
  private readonly waiting: (() => void)[] = [];

  async append(record: NewAuditRecord, at: Date): Promise<AuditRecord> {
    if (!this.open) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.written.push(record);
    return { ...record, id: randomUUID(), at: at.toISOString(), region };
  }

  list(): never {
    throw new Error('not used');
  }

  answer(): void {
    this.open = true;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

const events: EventLog = { emit: () => undefined };
const noQueue: WorkQueue = { send: async () => undefined };
const noDevices = {} as DeviceStore;
const noTenants = {} as TenantStore;

let cosmos: CosmosClient;
let store: CosmosActivationStore;

beforeAll(async () => {
  const opened = await openCosmosTestDatabase('activation-steps');
  cosmos = opened.client;
  store = new CosmosActivationStore(
    opened.database.container(Containers.activations.id),
    opened.database.container(Containers.recoveries.id),
    region,
  );
});
afterAll(() => cosmos?.dispose());

async function recovering(overrides: Partial<Activation> = {}): Promise<Activation> {
  const now = new Date();
  return await store.create({
    id: `act-${randomUUID()}`,
    tenantId: randomUUID(),
    idempotencyKey: randomUUID(),
    requestHash: 'hash',
    scope: { kind: 'devices', deviceIds: ['d1'] },
    recoverFirst: [],
    waveDeadlineMinutes: 60,
    state: 'recovering',
    requestedBy: 'oncall@contoso.test',
    requestedAt: now.toISOString(),
    waves: [],
    owner: { region, epoch: 1, leaseUntil: new Date(now.getTime() + leaseInMs).toISOString() },
    updatedAt: now.toISOString(),
    ...overrides,
  });
}

function stepsWith(log: AuditLog): ActivationSteps {
  const audit = new AuditTrail(log, events, systemClock, region, { attempts: 1 });
  return new ActivationSteps(
    {
      store,
      devices: noDevices,
      tenants: noTenants,
      queue: noQueue,
      events,
      audit,
      clock: systemClock,
      region,
    },
    { leaseInMs, auditWaitInMs },
  );
}

const driverOf = (activation: Activation): ActivationDriverInput => ({
  tenantId: activation.tenantId,
  activationId: activation.id,
  epoch: activation.owner.epoch,
  pollIntervalInMs: 1_000,
});

/** Runs `step`, failing if it has not answered within `stepBoundInMs`; returns what it answered and when. */
async function timed<T>(step: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    step(),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`The step was still waiting after ${stepBoundInMs} ms`)),
        stepBoundInMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  return { result, ms: Date.now() - started };
}

describe('an activation step, with the audit table not answering', () => {
  it("records a wave's start and answers without waiting for its audit record, which lands once the table answers", async () => {
    const log = new HangingAuditLog();
    const steps = stepsWith(log);
    const activation = await recovering();

    const { result, ms } = await timed(() => steps.startWave(driverOf(activation), 1));
    expect(result).toEqual({ deadlineAt: expect.any(String) });
    expect(ms).toBeGreaterThanOrEqual(auditWaitInMs - 50);
    const stored = (await store.get(activation.tenantId, activation.id))!;
    expect(stored.waves).toEqual([
      expect.objectContaining({ wave: 1, deadlineAt: (result as any).deadlineAt }),
    ]);
    expect(log.written).toEqual([]);

    log.answer();
    await expect.poll(() => log.written.map((r) => r.action)).toEqual(['activation.wave-dispatched']);
    expect(log.written[0]!.detail).toContain('wave 1');
  });

  it('completes the activation and answers without waiting for its audit record', async () => {
    const log = new HangingAuditLog();
    const steps = stepsWith(log);
    const activation = await recovering();
    const task: RecoveryTask = {
      id: `${activation.id}:d1`,
      activationId: activation.id,
      tenantId: activation.tenantId,
      deviceId: 'd1',
      upn: 'd1@contoso.test',
      primaryRegion: region,
      backupRegion: 'northeurope',
      priorityTier: 1,
      wave: 1,
      attempt: 0,
      dispatch: 1,
      state: 'skipped',
      skipReason: 'unlicensed',
      updatedAt: new Date().toISOString(),
    };
    await store.addTasks([task]);

    const { result } = await timed(() => steps.finish(driverOf(activation)));
    expect(result).toEqual({ more: false });
    expect((await store.get(activation.tenantId, activation.id))!.state).toBe('completed');
    log.answer();
    await expect.poll(() => log.written.map((r) => r.action)).toEqual(['activation.completed']);
  });

  it('waits for the record as long as the table answers in time: a healthy write is in before the step answers', async () => {
    const log = new HangingAuditLog();
    log.answer();
    const steps = stepsWith(log);
    const activation = await recovering();
    await timed(() => steps.startWave(driverOf(activation), 2));
    expect(log.written.map((r) => r.action)).toEqual(['activation.wave-dispatched']);
  });
});

describe('an adoption, with the audit table not answering', () => {
  it('starts the new driver at once and answers, the adoption recorded once the table answers', async () => {
    const log = new HangingAuditLog();
    const audit = new AuditTrail(log, events, systemClock, 'northeurope', { attempts: 1 });
    const started: { activationId: string; epoch: number }[] = [];
    const activations = {
      startDriver: async (_orchestrations: OrchestrationClient, adopted: Activation) => {
        started.push({ activationId: adopted.id, epoch: adopted.owner.epoch });
      },
    } as unknown as ActivationService;
    // Only this test's own activation is driven in its database, and its lease ran out.
    const orphan = await recovering({
      owner: { region, epoch: 3, leaseUntil: new Date(Date.now() - 1_000).toISOString() },
    });
    const adopter = new ActivationAdopter(
      { store, activations, region: 'northeurope', clock: systemClock, events, audit },
      { leaseInMs, auditWaitInMs },
    );

    const { result } = await timed(() => adopter.adopt({} as OrchestrationClient));
    expect(result).toBeGreaterThanOrEqual(1);
    expect(started).toContainEqual({ activationId: orphan.id, epoch: 4 });
    log.answer();
    await expect
      .poll(() => log.written.filter((r) => r.target.includes(orphan.id)).map((r) => r.action))
      .toEqual(['activation.adopted']);
  });
});
