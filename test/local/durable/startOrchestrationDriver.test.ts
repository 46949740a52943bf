import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Connection } from '../../../src/config';
import { NotFoundError } from '../../../src/domain/errors';
import { registeredFunctions } from '../../../src/functions/registry';
import { openTaskHub, type TaskHub } from '../../../src/local/durable/openTaskHub';
import {
  startOrchestrationDriver,
  type OrchestrationDriver,
} from '../../../src/local/durable/startOrchestrationDriver';
import { localSettings } from '../../../src/local/localSettings';
import type { OrchestrationStatus } from '../../../src/ports/OrchestrationClient';
import { SettingNames } from '../../../src/settingNames';
import {
  DriverWorkflows,
  flakyAttempts,
  type RoundsInput,
  type RoundsOutput,
} from './fixtures/driverWorkflows';
import { pollUntil } from './fixtures/pollUntil';

let driver: OrchestrationDriver;
let hub: TaskHub;
let connection: Connection;
const errors: string[] = [];

/** A task hub of its own: its own table and queues in the shared Azurite. */
const newTaskHub = (): string => `driver${randomUUID().replace(/-/g, '').slice(0, 12)}`;

beforeAll(async () => {
  const settings = localSettings({ ...inject('emulators'), http: 0 });
  connection = { kind: 'connectionString', connectionString: settings[SettingNames.hostStorage]! };
  const taskHub = newTaskHub();
  driver = await startOrchestrationDriver({
    connection,
    taskHub,
    functions: registeredFunctions(),
    pollIntervalInMs: 20,
    visibilityTimeoutInSeconds: 5,
    log: (level, name, message) => {
      if (level === 'error' && !message.includes('no capacity')) errors.push(`${name}: ${message}`);
    },
  });
  hub = await openTaskHub(connection, taskHub);
});

afterAll(async () => {
  await driver?.stop();
  expect(errors).toEqual([]);
});

const newId = (prefix: string): string => `${prefix}-${randomUUID()}`;

function statusOf(
  instanceId: string,
  wanted: OrchestrationStatus['runtimeStatus'],
  from: OrchestrationDriver = driver,
): Promise<OrchestrationStatus> {
  return pollUntil(async () => {
    const status = await from.getStatus(instanceId);
    return status?.runtimeStatus === wanted ? status : undefined;
  }, `${instanceId} to be ${wanted}`);
}

describe('an orchestration with fan-out, a durable timer and continueAsNew', () => {
  it('completes with the output of every round, having waited on each timer', async () => {
    const instanceId = newId('rounds');
    const input: RoundsInput = {
      round: 0,
      rounds: 2,
      width: 4,
      timerMs: 500,
      total: 0,
      shortestWaitMs: null,
    };
    await driver.startNew(DriverWorkflows.rounds, { instanceId, input });

    const done = await statusOf(instanceId, 'Completed');

    // Round r doubles r*10+0 … r*10+3: 2*(0+1+2+3) + 2*(10+11+12+13) = 12 + 92.
    const output = done.output as RoundsOutput;
    expect(output.total).toBe(104);
    expect(output.shortestWaitMs).toBeGreaterThanOrEqual(500);
    expect(done.customStatus).toEqual({ round: 1, phase: 'done' });
  });

  it('shows its custom status while it runs', async () => {
    const instanceId = newId('rounds');
    await driver.startNew(DriverWorkflows.rounds, {
      instanceId,
      input: {
        round: 0,
        rounds: 1,
        width: 2,
        timerMs: 1_000,
        total: 0,
        shortestWaitMs: null,
      } satisfies RoundsInput,
    });

    const waiting = await pollUntil(async () => {
      const status = await driver.getStatus(instanceId);
      return (status?.customStatus as { phase?: string } | undefined)?.phase === 'timer' ? status : undefined;
    }, 'the timer phase');

    expect(waiting).toMatchObject({
      runtimeStatus: 'Running',
      name: DriverWorkflows.rounds,
      customStatus: { round: 0, phase: 'timer' },
    });
    await statusOf(instanceId, 'Completed');
  });

  it('keeps only the last execution’s history once it continued as new', async () => {
    const instanceId = newId('rounds');
    await driver.startNew(DriverWorkflows.rounds, {
      instanceId,
      input: {
        round: 0,
        rounds: 3,
        width: 1,
        timerMs: 1,
        total: 0,
        shortestWaitMs: null,
      } satisfies RoundsInput,
    });
    await statusOf(instanceId, 'Completed');

    const pages = await hub.store.listHistory(instanceId);
    expect(new Set(pages.map((page) => page.executionId)).size).toBe(1);
    const input = (await driver.getStatus(instanceId))?.input as RoundsInput;
    expect(input.round).toBe(2);
  });
});

describe('raiseEvent', () => {
  it('resumes an orchestration waiting for that event', async () => {
    const instanceId = newId('approval');
    await driver.startNew(DriverWorkflows.approval, { instanceId, input: { device: 'cpc-1' } });
    await pollUntil(
      async () =>
        (await driver.getStatus(instanceId))?.customStatus === 'waiting for approval' ? true : undefined,
      'waiting',
    );

    await driver.raiseEvent(instanceId, 'approval', { by: 'alice' });

    const done = await statusOf(instanceId, 'Completed');
    expect(done.output).toEqual({ approvedBy: 'alice', input: { device: 'cpc-1' } });
  });

  it('is kept for an orchestration that has not reached the wait yet', async () => {
    const instanceId = newId('approval');
    await driver.startNew(DriverWorkflows.approval, { instanceId });
    await driver.raiseEvent(instanceId, 'approval', { by: 'bob' });

    const done = await statusOf(instanceId, 'Completed');
    expect(done.output).toMatchObject({ approvedBy: 'bob' });
  });

  it('rejects an unknown instance', async () => {
    await expect(driver.raiseEvent(newId('missing'), 'approval')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('Task.any of an event and a timer', () => {
  it('takes the event when it comes first', async () => {
    const instanceId = newId('deadline');
    await driver.startNew(DriverWorkflows.deadline, { instanceId, input: { timeoutMs: 3_600_000 } });
    await pollUntil(
      async () =>
        (await driver.getStatus(instanceId))?.customStatus === 'waiting for approval' ? true : undefined,
      'waiting',
    );

    await driver.raiseEvent(instanceId, 'approval', { by: 'erin' });

    expect((await statusOf(instanceId, 'Completed')).output).toEqual({ approvedBy: 'erin' });
  });

  it('takes the timer when no event comes', async () => {
    const instanceId = newId('deadline');
    await driver.startNew(DriverWorkflows.deadline, { instanceId, input: { timeoutMs: 300 } });

    expect((await statusOf(instanceId, 'Completed')).output).toEqual({ timedOut: true });
  });
});

describe('startNew', () => {
  it('is a no-op for an instance id that is already running, and restarts a finished one', async () => {
    const instanceId = newId('approval');
    expect(await driver.startNew(DriverWorkflows.approval, { instanceId, input: 'first' })).toBe(instanceId);
    expect(await driver.startNew(DriverWorkflows.approval, { instanceId, input: 'second' })).toBe(instanceId);
    await driver.raiseEvent(instanceId, 'approval', { by: 'carol' });
    expect((await statusOf(instanceId, 'Completed')).output).toEqual({ approvedBy: 'carol', input: 'first' });

    await driver.startNew(DriverWorkflows.approval, { instanceId, input: 'third' });
    expect((await driver.getStatus(instanceId))?.runtimeStatus).toMatch(/Pending|Running/);
    await driver.raiseEvent(instanceId, 'approval', { by: 'dave' });
    expect((await statusOf(instanceId, 'Completed')).output).toEqual({ approvedBy: 'dave', input: 'third' });
  });

  it('rejects an instance id that cannot be a table key', async () => {
    await expect(driver.startNew(DriverWorkflows.approval, { instanceId: 'a/b' })).rejects.toBeInstanceOf(
      TypeError,
    );
  });
});

describe('terminate', () => {
  it('stops a waiting orchestration; later events are dropped', async () => {
    const instanceId = newId('forever');
    await driver.startNew(DriverWorkflows.waitForever, { instanceId });
    await statusOf(instanceId, 'Running');

    await driver.terminate(instanceId, 'operator stopped it');
    await driver.raiseEvent(instanceId, 'never');

    const status = await driver.getStatus(instanceId);
    expect(status).toMatchObject({ runtimeStatus: 'Terminated', output: 'operator stopped it' });
  });
});

describe('callActivityWithRetry', () => {
  it('retries a failing activity until it succeeds', async () => {
    const key = newId('flaky');
    const instanceId = newId('retrying');
    await driver.startNew(DriverWorkflows.retrying, {
      instanceId,
      input: { key, failures: 2, maxAttempts: 3 },
    });

    expect((await statusOf(instanceId, 'Completed')).output).toEqual({ attempt: 3 });
    expect(flakyAttempts.get(key)).toBe(3);
  });

  it('surfaces the last failure once the attempts are used up', async () => {
    const key = newId('flaky');
    const instanceId = newId('retrying');
    await driver.startNew(DriverWorkflows.retrying, {
      instanceId,
      input: { key, failures: 5, maxAttempts: 2 },
    });

    const { output } = await statusOf(instanceId, 'Completed');
    expect((output as { error: string }).error).toContain('attempt 2 failed');
    expect(flakyAttempts.get(key)).toBe(2);
  });
});

describe('a failing activity', () => {
  it('fails the orchestration with the activity’s error', async () => {
    const instanceId = newId('failing');
    await driver.startNew(DriverWorkflows.failing, { instanceId });

    const failed = await statusOf(instanceId, 'Failed');
    expect(failed.output).toContain('no capacity in northeurope');
  });
});

describe('a driver that polls its queues rarely', () => {
  it('takes the work it sends itself at once: turns and activities do not wait for the next poll', async () => {
    const slow = await startOrchestrationDriver({
      connection,
      taskHub: newTaskHub(),
      functions: registeredFunctions(),
      // Every queue is found empty at start; without the wake, the first turn would wait ten minutes.
      pollIntervalInMs: 600_000,
    });
    try {
      const instanceId = newId('rounds');
      const input: RoundsInput = {
        round: 0,
        rounds: 2,
        width: 3,
        timerMs: 0,
        total: 0,
        shortestWaitMs: null,
      };
      await slow.startNew(DriverWorkflows.rounds, { instanceId, input });

      const done = await statusOf(instanceId, 'Completed', slow);
      // Round r doubles r*10+0 … r*10+2: 2*(0+1+2) + 2*(10+11+12).
      expect((done.output as RoundsOutput).total).toBe(72);
    } finally {
      await slow.stop();
    }
  });
});
