/**
 * One `recovery-arm` run: N devices recovered onto Azure compute against the ARM double at the
 * documented limits (429s enforced), through the product's AzureComputeProvider with the product's
 * ARM pacer on its clients, driven as RecoveryWorker drives it (recoveryDriver.ts), and compared
 * with the bound the limits allow (recoveryBound.ts).
 *
 * Time: the double runs `timeScale` simulated seconds per real second and every product timing is
 * given in simulated time — the pacer reckons on the double's clock (its `timer`), the provider's
 * clock (listing reuse, the provisioning deadline) is the double's, and the driver's delays
 * (check, retry, capacity back-off) are divided by the scale. So the product polls and paces as
 * often in simulated time as it would in Azure; the machine's own latency counts ×scale.
 */
import { ArmHostPools } from '../src/adapters/avd/ArmHostPools';
import { AvdClients } from '../src/adapters/avd/createAvdClients';
import { ArmPacer } from '../src/adapters/arm/pacing/ArmPacer';
import type { BucketCounters } from '../src/adapters/arm/pacing/PacedBucket';
import { systemPacerTimer, type PacerTimer } from '../src/adapters/arm/pacing/pacerTimer';
import { AzureComputeProvider } from '../src/adapters/compute/azure/AzureComputeProvider';
import type { Clock } from '../src/ports/Clock';
import type { EventLog } from '../src/ports/EventLog';
import { armCallCounter } from './armCallCounter';
import { devicesWithoutHostPool, recoveryBound, type RecoveryBound } from './recoveryBound';
import { driveRecovery, type DriverCounts } from './recoveryDriver';
import {
  exactlyOnce,
  lastVmPutSeconds,
  readyFigures,
  type ExactlyOnce,
  type ReadyFigures,
} from './recoveryFigures';
import { recoveryRegion, seedRecoveryFleet } from './recoveryFleet';
import { startThreadedArmDouble } from './threadedArmDouble';

export interface RecoveryArmSettings {
  devices: number;
  subscriptions: number;
  groupsPerSubscription: number;
  /** Simulated seconds per real second. */
  timeScale: number;
  /** Handlers at once (the queue host's maxConcurrentCalls). */
  concurrency: number;
  /** RecoveryWorker's checkDelayInMs, simulated seconds. */
  checkDelaySeconds: number;
  /** The provisioning model the double runs (rule vm.provisioning.model, assumed). */
  vmProvisionSeconds: number;
  agentReadySeconds: number;
  diskGiB: number;
  size: string;
  fallbackSizes: string[];
  /** Longest real wait for the recovery. */
  timeoutMinutes: number;
  log: (line: string) => void;
}

export const defaultRecoveryArmSettings: Omit<RecoveryArmSettings, 'devices' | 'log'> = {
  subscriptions: 1,
  groupsPerSubscription: 2,
  timeScale: 4,
  concurrency: 16,
  checkDelaySeconds: 10,
  vmProvisionSeconds: 90,
  agentReadySeconds: 30,
  diskGiB: 64,
  size: 'Standard_D2s_v5',
  fallbackSizes: ['Standard_D2as_v5', 'Standard_D4s_v5'],
  timeoutMinutes: 120,
};

export interface RecoveryArmResult extends ReadyFigures {
  path: 'direct';
  settings: Omit<RecoveryArmSettings, 'log'>;
  seedSeconds: number;
  realSeconds: number;
  /** Simulated seconds from the start to the last VM PUT Compute accepted. */
  lastVmPutSeconds: number;
  bound: RecoveryBound;
  /** bound ÷ measured (target ≥ 0.9). */
  boundRatio: number;
  devices: DriverCounts & { timedOut: boolean };
  /** One live VM, disk and NIC per device, each disk copied from its own device's snapshot. */
  exactlyOnce: ExactlyOnce;
  armCallsPerDevice: {
    total: number;
    read: number;
    write: number;
    delete: number;
    byCall: Record<string, number>;
  };
  /** 429s the double answered: ARM's buckets, and Compute's PutVM policy. */
  throttled: { arm: number; computePutVm: number; seenByClient: number };
  /** Calls that arrived at an empty bucket (must be 0). */
  overBudget: number;
  maxVmPutsPerMinute: number;
  pacer: BucketCounters;
  pacerEvents: Record<string, number>;
  ensuresPerDevice: number;
  handlers: { maxBusy: number; busyShare: number };
  problems: Record<string, number>;
}

const max = (a: number, b: number) => Math.max(a, b);
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

export async function runRecoveryArm(s: RecoveryArmSettings): Promise<RecoveryArmResult> {
  const { log, ...settings } = s;
  const scaled = (simulatedMs: number) => Math.max(1, Math.round(simulatedMs / s.timeScale));
  // In a thread of its own: the double's work is not the control plane's (threadedArmDouble.ts).
  const double = await startThreadedArmDouble({
    timeScale: s.timeScale,
    throttling: 'enforce',
    vmProvisionSeconds: s.vmProvisionSeconds,
    agentReadySeconds: s.agentReadySeconds,
  });
  try {
    const activationId = 'bench';
    const fleet = await seedRecoveryFleet(double, {
      devices: s.devices,
      subscriptions: s.subscriptions,
      groupsPerSubscription: s.groupsPerSubscription,
      diskGiB: s.diskGiB,
      size: s.size,
      fallbackSizes: s.fallbackSizes,
      activationId,
    });
    log(
      `[bench]   recovery-arm: ${s.devices} restore points in ${s.subscriptions} subscription(s) seeded in ${fleet.seedSeconds.toFixed(1)} s`,
    );

    // As the composition root builds them: one pacer for the process on every ARM client; here
    // on the double's clock.
    const pacerEvents: Record<string, number> = {};
    const events: EventLog = {
      emit: (event) => {
        pacerEvents[event] = (pacerEvents[event] ?? 0) + 1;
      },
    };
    const timer: PacerTimer = {
      nowMs: () => double.clock(),
      sleep: (ms, signal) => systemPacerTimer.sleep(ms / s.timeScale, signal),
    };
    const pacer = new ArmPacer(events, { region: 'westeurope', timer });
    const counter = armCallCounter();
    const clientOptions = {
      credential: double.credential,
      ...double.clientOptions(),
      additionalPolicies: [pacer.policy(), counter.policy],
    };
    const clock: Clock = { now: () => new Date(double.clock()) };
    const provider = new AzureComputeProvider(
      {
        clients: clientOptions,
        hostPools: new ArmHostPools(new AvdClients(clientOptions), { clock }),
        resourceGroups: () => Promise.resolve(fleet.backupGroups),
      },
      { clock },
    );

    // Every bucket full at the start, as the bound assumes (the seeder's calls were in the past).
    double.advance(60_000);
    const before = await double.stats();
    const startedAt = double.clock();
    const driven = await driveRecovery(provider, fleet.requests, {
      concurrency: s.concurrency,
      checkDelayInMs: scaled(s.checkDelaySeconds * 1000),
      // RecoveryWorker's defaults, simulated.
      retryBaseDelayInMs: scaled(15_000),
      retryMaxDelayInMs: scaled(5 * 60_000),
      capacityBaseDelayInMs: scaled(30_000),
      capacityMaxDelayInMs: scaled(10 * 60_000),
      maxAttempts: 5,
      simulatedNow: () => double.clock(),
      timeoutInMs: s.timeoutMinutes * 60_000,
      progress: (c) =>
        log(
          `[bench]     ${((double.clock() - startedAt) / 1000).toFixed(0)} simulated s: ${c.ready} ready, ${c.failed} failed, ${c.inFlight} in handlers, ${c.ensures} ensures`,
        ),
      progressEveryInMs: 15_000,
    });
    const after = await double.stats();

    const ready = driven.outcomes.filter((o) => o.state === 'ready').map((o) => o.settledAt!);
    const n = s.devices;
    const made = { vms: await double.vms(), disks: await double.disks(), nics: await double.nics() };
    const exactly = exactlyOnce(
      made,
      new Map(
        fleet.requests.map((r) => [r.name, r.image.kind === 'managedSnapshot' ? r.image.snapshotId : '']),
      ),
    );

    const bound = recoveryBound(
      { devices: n, subscriptions: s.subscriptions, ...devicesWithoutHostPool },
      { vmSeconds: s.vmProvisionSeconds, agentSeconds: s.agentReadySeconds, registrationSeconds: 0 },
    );
    const perDevice = (x: number) => round(x / n, 3);
    const byCall = Object.fromEntries(
      Object.entries(counter.counts.byCall)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, perDevice(v)]),
    );
    const { read, write } = counter.counts.byKind;
    const del = counter.counts.byKind.delete;
    const figures = readyFigures(startedAt, ready);
    return {
      path: 'direct',
      settings,
      seedSeconds: round(fleet.seedSeconds),
      realSeconds: round(driven.realSeconds),
      ...figures,
      lastVmPutSeconds: lastVmPutSeconds(made.vms, startedAt),
      bound,
      boundRatio: round(bound.seconds / figures.rtoSeconds, 3),
      devices: { ...driven.counts, timedOut: driven.timedOut },
      exactlyOnce: exactly,
      armCallsPerDevice: {
        total: perDevice(read + write + del),
        read: perDevice(read),
        write: perDevice(write),
        delete: perDevice(del),
        byCall,
      },
      throttled: {
        arm: after.throttled - before.throttled,
        computePutVm: after.compute.computeThrottled - before.compute.computeThrottled,
        seenByClient: counter.counts.throttled,
      },
      overBudget: after.overBudget - before.overBudget,
      maxVmPutsPerMinute: after.compute.maxVmPutsPerMinute.map((m) => m.count).reduce(max, 0),
      pacer: pacer.totals(),
      pacerEvents,
      ensuresPerDevice: round(driven.counts.ensures / n, 2),
      handlers: {
        maxBusy: driven.maxBusy,
        busyShare: round(driven.busyMs / (driven.realSeconds * 1000 * s.concurrency), 3),
      },
      problems: driven.problems,
    };
  } finally {
    await double.close();
  }
}

export { recoveryRegion };
