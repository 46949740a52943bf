import type { TableClient } from '@azure/data-tables';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { openTaskHub } from '../../../src/local/durable/openTaskHub';
import { TaskHubClient } from '../../../src/local/durable/TaskHubClient';
import { localSettings } from '../../../src/local/localSettings';
import { SettingNames } from '../../../src/settingNames';
import { effectsTableClient, type CrashInput } from './fixtures/crashWorkflow';
import { pollUntil } from './fixtures/pollUntil';

const driverProcessScript = join(__dirname, 'fixtures', 'crashDriverProcess.ts');
const repositoryRoot = join(__dirname, '..', '..', '..');

interface DriverProcess {
  child: ChildProcess;
  /** Resolves once the driver runs and the instance is started (or found running). */
  started: Promise<void>;
  output(): string;
}

const children = new Set<ChildProcess>();

afterEach(async () => {
  await Promise.all([...children].map((child) => stopProcess(child, 'SIGKILL')));
});

function startDriverProcess(env: Record<string, string>): DriverProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', driverProcessScript], {
    cwd: repositoryRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  const started = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('started\n')) resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code, signal) =>
      reject(new Error(`Driver process exited (${code ?? signal}):\n${output}`)),
    );
  });
  started.catch(() => undefined);
  return { child, started, output: () => output };
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

async function rowKeys(table: TableClient, partitionKey: string): Promise<string[]> {
  const keys: string[] = [];
  const filter = `PartitionKey eq '${partitionKey}'`;
  for await (const entity of table.listEntities({ queryOptions: { filter, select: ['RowKey'] } }))
    keys.push(entity.rowKey!);
  return keys.sort();
}

describe('an orchestration whose process is killed', () => {
  it('continues in a new process, with each activity’s effect applied exactly once', async () => {
    const connectionString = localSettings({ ...inject('emulators'), http: 0 })[SettingNames.hostStorage]!;
    const suffix = randomUUID().replace(/-/g, '').slice(0, 12);
    const taskHub = `crash${suffix}`;
    const effects = effectsTableClient(connectionString, `effects${suffix}`);
    await effects.createTable();
    const client = new TaskHubClient(
      await openTaskHub({ kind: 'connectionString', connectionString }, taskHub),
    );
    const instanceId = `crash-${suffix}`;
    const input: CrashInput = {
      runId: suffix,
      effectsTable: `effects${suffix}`,
      batch: 0,
      batches: 3,
      perBatch: 3,
      activityDelayMs: 150,
      applied: 0,
    };
    const env = {
      [SettingNames.hostStorage]: connectionString,
      [SettingNames.taskHub]: taskHub,
      CRASH_INSTANCE_ID: instanceId,
      CRASH_INPUT: JSON.stringify(input),
    };

    const first = startDriverProcess(env);
    await first.started;
    await pollUntil(
      async () => ((await rowKeys(effects, 'effects')).length >= 2 ? true : undefined),
      'the first effects',
      {
        limitInMs: 30_000,
      },
    );
    await stopProcess(first.child, 'SIGKILL');

    // The kill landed mid-way: some effects applied, the orchestration not finished.
    expect((await client.getStatus(instanceId))?.runtimeStatus).toBe('Running');
    expect((await rowKeys(effects, 'effects')).length).toBeLessThan(9);

    const second = startDriverProcess(env);
    await second.started;
    const done = await pollUntil(
      async () => {
        const status = await client.getStatus(instanceId);
        return status?.runtimeStatus === 'Completed' || status?.runtimeStatus === 'Failed'
          ? status
          : undefined;
      },
      'the orchestration to finish in the second process',
      { limitInMs: 30_000 },
    );
    await stopProcess(second.child, 'SIGTERM');

    expect(done, second.output()).toMatchObject({
      runtimeStatus: 'Completed',
      output: { batches: 3, applied: 9 },
    });
    const expected = [0, 1, 2].flatMap((batch) => [0, 1, 2].map((i) => `${suffix}-${batch}-${i}`)).sort();
    expect(await rowKeys(effects, 'effects')).toEqual(expected);
    // At least once: an activity cut off by the kill ran again, which the effects above absorb.
    expect((await rowKeys(effects, 'attempts')).length).toBeGreaterThanOrEqual(9);
    // Two process starts and their waits: more than the default on a busy machine.
  }, 90_000);
});
