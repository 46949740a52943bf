/**
 * An activation outlives the control plane driving it. Real control-plane processes (the entry
 * `npm start` runs) over the shared emulators, which stay up: one is SIGKILLed mid-activation and
 * started again; another region's plane adopts from an owner SIGSTOPped past its lease, and the
 * owner, continued, does nothing further. Exactly-once is counted by the compute provider itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SimulatedComputeProvider } from '../../src/adapters/compute/SimulatedComputeProvider';
import { installedStores } from '../../src/compositionRoot';
import { temporaryDeviceName } from '../../src/domain/recoveryTask';
import { freePort } from '../../src/local/emulators/freePort';
import { azuriteConnectionString } from '../../src/local/localSettings';
import { createDisk, regionBlobService } from '../support/disks';
import { eventually } from '../support/eventually';
import { diskScope, provisionTenant } from '../support/tenants';
import { call } from '../support/http';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';
import { currentPoolId, workerSecondHostAccount } from '../support/workerHostAccount';

const root = join(__dirname, '..', '..');
const children = new Set<ChildProcess>();

interface Plane {
  child: ChildProcess;
  api: string;
  output(): string;
}

/** Starts a control-plane process with these settings and waits until it says it is ready. */
async function startPlane(settings: Record<string, string>): Promise<Plane> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'src/local/controlPlaneProcess.ts'], {
    cwd: root,
    env: { ...process.env, ...settings, LOCAL_HTTP_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`The control plane exited with ${code}: ${output}`)));
  });
  return { child, api: `http://localhost:${port}/api`, output: () => output };
}

async function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

describe('an activation outlives the control plane driving it', () => {
  let env: TestEnvironment;
  let operator: string;
  const tenantId = randomUUID();
  const tenantApi = (api: string) => `${api}/tenants/${tenantId}`;
  const compute = () => installedStores().compute as SimulatedComputeProvider;

  /** Base settings of every plane: a short lease and poll, provisioning that takes a moment. */
  const planeSettings = () => ({
    ...env.settings,
    // Short enough for a quick adoption, long enough that a busy machine's owner still renews in time.
    ACTIVATION_LEASE_SECONDS: '10',
    ACTIVATION_POLL_SECONDS: '1',
    SIMULATED_COMPUTE: JSON.stringify({ northeurope: { provisioningMs: 200 } }),
  });

  beforeAll(async () => {
    env = await startTestEnvironment();
    const admin = await env.token(tenantId, ['DR.Admin']);
    operator = await env.token(tenantId, ['DR.Operator']);
    const put = async (path: string, json: unknown) => {
      const response = await call(`${tenantApi(env.baseUrl)}${path}`, { method: 'PUT', token: admin, json });
      expect(response.status, response.text).toBeLessThan(300);
    };
    await provisionTenant(env, tenantId, { licences: 100, diskScopes: [diskScope('disks')] });
    await put('/policies/hourly', { name: 'Hourly', backupRegion: 'northeurope', rpoHours: 1 });
  });

  afterEach(async () => {
    await Promise.all([...children].map((child) => kill(child, 'SIGKILL')));
  });

  afterAll(async () => {
    await env?.close();
  });

  /** Registers devices with disks and takes a verified restore point of each through the plane. */
  async function protectedDevices(plane: Plane, prefix: string, count: number): Promise<string[]> {
    const admin = await env.token(tenantId, ['DR.Admin']);
    const ids = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);
    const primary = regionBlobService(env.settings, 'westeurope');
    for (const [i, id] of ids.entries()) {
      await createDisk(primary, 'disks', `${id}.vhd`, 4096);
      const response = await call(`${tenantApi(env.baseUrl)}/devices/${id}`, {
        method: 'PUT',
        token: admin,
        json: {
          upn: `${id}@contoso.test`,
          primaryRegion: 'westeurope',
          disk: { container: 'disks', blob: `${id}.vhd` },
          policyId: 'hourly',
          priorityTier: 1 + (i % 3),
        },
      });
      expect(response.status, response.text).toBe(201);
      const point = await call(`${tenantApi(plane.api)}/devices/${id}/restore-points`, {
        method: 'POST',
        token: operator,
      });
      expect(point.status, point.text).toBe(202);
    }
    await eventually(
      async () => {
        const devices = await Promise.all(ids.map((id) => installedStores().devices.get(tenantId, id)));
        return devices.filter((d) => d?.lastVerifiedAt).length;
      },
      (n) => n === count,
      { timeoutMs: 60_000 },
    );
    return ids;
  }

  async function activate(plane: Plane, ids: string[]): Promise<string> {
    const response = await call(`${tenantApi(plane.api)}/activations`, {
      method: 'POST',
      token: operator,
      json: { scope: { kind: 'devices', deviceIds: ids } },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(response.status, response.text).toBe(202);
    return response.body.id as string;
  }

  async function report(id: string): Promise<any> {
    const reader = await env.token(tenantId, ['DR.Reader']);
    return (await call(`${tenantApi(env.baseUrl)}/activations/${id}`, { token: reader })).body;
  }

  /** Each device has exactly one temporary device, made once, and the counts say so. */
  async function expectRecoveredOnce(id: string, ids: string[]): Promise<void> {
    const final = await report(id);
    expect(final.state).toBe('completed');
    expect(final.counts.recovered).toBe(ids.length);
    expect(final.total).toBe(ids.length);
    const creations = await compute().creations('northeurope');
    expect(ids.map((d) => creations.get(temporaryDeviceName(id, d)))).toEqual(ids.map(() => 1));
  }

  it('completes after its control plane is SIGKILLed mid-activation and started again', async () => {
    const settings = planeSettings();
    let plane = await startPlane(settings);
    const ids = await protectedDevices(plane, 'kill', 18);
    const id = await activate(plane, ids);
    // Killed as the first wave's devices start provisioning: some of their messages are then still
    // being handled, held by a lock the dead process will never renew nor release.
    await eventually(
      () => report(id),
      (r) => r.counts?.provisioning > 0 || r.counts?.recovered > 0,
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    await kill(plane.child, 'SIGKILL');
    const killedAt = Date.now();
    const before = await report(id);
    expect(before.counts.recovered).toBeLessThan(ids.length);

    plane = await startPlane(settings);
    const restartedAt = Date.now();
    const completed = await eventually(
      () => report(id),
      (r) => r.state === 'completed',
      { timeoutMs: 180_000, intervalMs: 250 },
    );
    const completedAt = Date.now();
    console.info(
      `SIGKILL mid-activation: RTO ${completed.rtoSeconds} s; restart took ${(restartedAt - killedAt) / 1000} s, ` +
        `then ${(completedAt - restartedAt) / 1000} s to complete (at the kill: ${JSON.stringify(before.counts)})`,
    );
    await expectRecoveredOnce(id, ids);
  }, 360_000);

  it('is adopted by another region when its owner stalls past the lease, and the owner then does nothing', async () => {
    const owner = await startPlane(planeSettings());
    const ids = await protectedDevices(owner, 'stall', 18);
    const id = await activate(owner, ids);
    await eventually(
      () => report(id),
      (r) => r.counts?.recovered > 0,
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    owner.child.kill('SIGSTOP');
    try {
      const stalled = await report(id);
      expect(stalled.owner.region).toBe('westeurope');
      expect(stalled.counts.recovered).toBeLessThan(ids.length);

      // Its own task hub and queues, as another region has: nothing in flight there is shared.
      const emulators = inject('emulators');
      const other = await startPlane({
        ...planeSettings(),
        CONTROL_PLANE_REGION: 'northeurope',
        DURABLE_TASK_HUB: 'clouddrnorth',
        AzureWebJobsStorage: azuriteConnectionString(workerSecondHostAccount(currentPoolId()), {
          ...emulators,
          http: 0,
        }),
      });
      const adopted = await eventually(
        () => report(id),
        (r) => r.state === 'completed',
        { timeoutMs: 180_000, intervalMs: 250 },
      );
      expect(adopted.owner.region).toBe('northeurope');
      expect(adopted.owner.epoch).toBeGreaterThan(stalled.owner.epoch);
      await expectRecoveredOnce(id, ids);

      owner.child.kill('SIGCONT');
      // The stalled owner's driver and workers wake to an epoch that is no longer theirs.
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      const after = await report(id);
      expect(after.owner).toEqual(adopted.owner);
      expect(after.counts).toEqual(adopted.counts);
      expect(after.waveProgress).toEqual(adopted.waveProgress);
      await expectRecoveredOnce(id, ids);
      expect(other.child.exitCode).toBeNull();
    } finally {
      owner.child.kill('SIGCONT');
    }
  }, 360_000);
});
