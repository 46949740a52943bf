/**
 * The world of one `recovery-arm-product` run: fresh emulators (Azurite, the Cosmos DB emulator,
 * each its own process), the app settings of Azure compute (`COMPUTE_PROVIDER=azure`) in
 * `process.env`, the composition root's services against the ARM double with every product timing
 * on the double's clock or scaled to it, every HTTP route behind the local HTTP host, and the
 * registered orchestration driver and queue workers (test/support/recoveryRuntime.ts, as the
 * 300-device test runs them: 16 handlers per queue, the queue host's default).
 *
 * Time: the recovery worker's delays (check, retry, capacity back-off) are its defaults divided
 * by the double's time scale, the pacer and the provider reckon on the double's clock, so the
 * product polls and paces as often in simulated time as in Azure (as recoveryArm.ts does for the
 * direct run). The protection worker's delays are scaled to the set-up's fast-forward instead.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../src/local/quietTestModeWarnings';
import { createCosmosClient } from '../src/adapters/cosmos/createCosmosClient';
import { loadLocalSigningKey, signLocalToken } from '../src/adapters/local-issuer/localIssuer';
import { ensureCosmosSchema } from '../src/adapters/cosmos/ensureCosmosSchema';
import { installServices, resetServices, services } from '../src/compositionRoot';
import type { EventLog } from '../src/ports/EventLog';
import { httpFunctions } from '../src/functions/registry';
import { freePort } from '../src/local/emulators/freePort';
import { startHttpHost } from '../src/local/httpHost';
import { localSettings } from '../src/local/localSettings';
import { SettingNames } from '../src/settingNames';
import '../src/functions';
import type { ArmDouble } from '../test/support/arm/startArmDouble';
import { MemoryCopySlots } from '../test/support/memoryCopySlots';
import { startRecoveryRuntime } from '../test/support/recoveryRuntime';
import type { ActivationApi } from './activation';
import type { BenchClock } from './cycle';
import { startEmulators } from './emulators';
import { pacerOnDoubleClock } from './pacerOnDoubleClock';

export interface RecoveryProductTimings {
  /** The double's simulated seconds per real second while the activation runs. */
  timeScale: number;
  /** The set-up's speed (armFastForward.ts): the protection worker's delays are scaled to it. */
  setupScale: number;
}

export interface RecoveryProductEnvironment {
  api: ActivationApi;
  tenantId: string;
  stop(): Promise<void>;
}

const hourMs = 3_600_000;

export async function startRecoveryProductEnvironment(
  double: ArmDouble,
  clock: BenchClock,
  events: EventLog,
  t: RecoveryProductTimings,
): Promise<RecoveryProductEnvironment> {
  const dataDir = await mkdtemp(join(tmpdir(), 'clouddr-bench-recovery-'));
  const teardown: (() => Promise<void> | void)[] = [() => rm(dataDir, { recursive: true, force: true })];
  const stop = async () => {
    for (const step of teardown.splice(0).reverse()) await step();
  };
  try {
    const emulators = await startEmulators(dataDir);
    teardown.push(() => emulators.stop());
    const httpPort = await freePort();
    Object.assign(process.env, {
      ...localSettings({ ...emulators.ports, http: httpPort }, dataDir),
      [SettingNames.cosmosDatabase]: `bench-${randomUUID()}`,
      [SettingNames.computeProvider]: 'azure',
      // The driver looks at a wave's counters every second: its end, not the devices', waits on it.
      [SettingNames.activationPollSeconds]: '1',
    });
    await resetServices();
    teardown.push(() => resetServices());
    const cosmos = createCosmosClient(services().config.cosmos.connection);
    await ensureCosmosSchema(cosmos, services().config.cosmos.database);
    cosmos.dispose();

    const simulated = (ms: number) => Math.max(1, Math.round(ms / t.timeScale));
    const setup = (ms: number) => Math.max(1, Math.round(ms / t.setupScale));
    const armClock = { now: () => new Date(double.clock()) };
    installServices({
      clock,
      events,
      // The protection cycle runs under the fast-forward: its production delays at that speed
      // (a copy looked at every simulated minute rather than 10 s: fewer reads, same outcome).
      worker: {
        checkDelayInMs: setup(60_000),
        snapshotCheckDelayInMs: setup(5_000),
        retryBaseDelayInMs: setup(15_000),
        retryMaxDelayInMs: setup(10 * 60_000),
      },
      // RecoveryWorker's defaults, simulated.
      recovery: {
        checkDelayInMs: simulated(10_000),
        retryBaseDelayInMs: simulated(15_000),
        retryMaxDelayInMs: simulated(5 * 60_000),
        capacityBaseDelayInMs: simulated(30_000),
        capacityMaxDelayInMs: simulated(10 * 60_000),
      },
      arm: {
        credential: double.credential,
        ...double.clientOptions(),
        // CosmosCopySlots needs the grantCopySlots timer, which the runtime does not run.
        copySlots: new MemoryCopySlots(100),
        pollIntervalInMs: setup(2_000),
        pacer: { timer: pacerOnDoubleClock(double, t.timeScale) },
        // A content check's SAS lives a simulated day: long enough at the set-up's speed.
        store: { sasDurationInSeconds: 24 * 3600 },
        hostPools: { clock: armClock },
        // The provider's listing reuse and provisioning deadline on ARM's clock, as in Azure.
        compute: { clock: armClock },
      },
    });

    const host = await startHttpHost(httpFunctions(), { port: httpPort });
    teardown.push(() => host.close());
    // The queue host's default of 16 handlers per queue: the direct run's concurrency.
    const runtime = await startRecoveryRuntime();
    teardown.push(() => runtime.stop());

    const { config } = services();
    const tenantId = randomUUID();
    const key = await loadLocalSigningKey(dataDir);
    const token = async (role: string) =>
      await signLocalToken(key, {
        issuer: config.auth.issuer,
        audience: config.auth.audience,
        tenantId,
        roles: [role],
        expiresInSeconds: (24 * hourMs) / 1000,
      });
    return {
      api: {
        tenantUrl: `http://127.0.0.1:${httpPort}/api/tenants/${tenantId}`,
        operatorToken: await token('DR.Operator'),
        readerToken: await token('DR.Reader'),
      },
      tenantId,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
