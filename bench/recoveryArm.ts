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
import { temporaryDeviceTag } from '../src/adapters/compute/azure/temporaryDeviceResources';
import type { Clock } from '../src/ports/Clock';
import type { EventLog } from '../src/ports/EventLog';
import { startArmDouble } from '../test/support/arm/startArmDouble';
import { armCallCounter } from './armCallCounter';
import { devicesWithoutHostPool, recoveryBound, type RecoveryBound } from './recoveryBound';
import { driveRecovery, type DriverCounts } from './recoveryDriver';
import { recoveryRegion, seedRecoveryFleet } from './recoveryFleet';

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

export interface RecoveryArmResult {
  settings: Omit<RecoveryArmSettings, 'log'>;
  seedSeconds: number;
  realSeconds: number;
  /** Simulated seconds from the first handler to the last device ready (the RTO Azure would see). */
  rtoSeconds: number;
  firstReadySeconds: number;
  /** Simulated seconds from the start to each device ready: the median and the mean (what users wait). */
  medianReadySeconds: number;
  meanReadySeconds: number;
  /** Simulated seconds from the start to the last VM PUT Compute accepted. */
  lastVmPutSeconds: number;
  bound: RecoveryBound;
  /** bound ÷ measured (target ≥ 0.9). */
  boundRatio: number;
  devices: DriverCounts & { timedOut: boolean };
  /** One live VM, disk and NIC per device, each disk copied from its own device's snapshot. */
  exactlyOnce: { vms: number; disks: number; nics: number; wrongSource: number; ok: boolean };
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
const min = (a: number, b: number) => Math.min(a, b);
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

export async function runRecoveryArm(s: RecoveryArmSettings): Promise<RecoveryArmResult> {
  const { log, ...settings } = s;
  const scaled = (simulatedMs: number) => Math.max(1, Math.round(simulatedMs / s.timeScale));
  const double = await startArmDouble({
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
    const before = double.stats();
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
    const after = double.stats();

    const ready = driven.outcomes.filter((o) => o.state === 'ready');
    const settledAt = ready.map((o) => o.settledAt!);
    const rtoSeconds = settledAt.length ? (settledAt.reduce(max) - startedAt) / 1000 : Number.NaN;
    const firstReadySeconds = settledAt.length ? (settledAt.reduce(min) - startedAt) / 1000 : Number.NaN;
    const sorted = settledAt.map((t) => (t - startedAt) / 1000).sort((a, b) => a - b);
    const medianReadySeconds = sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : Number.NaN;
    const meanReadySeconds = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : Number.NaN;

    const vms = double.vms();
    const liveVms = vms.filter((v) => !v.deleted);
    const liveDisks = double.disks().filter((d) => !d.deleted);
    const liveNics = double.nics().filter((n) => !n.deleted);
    const snapshotOf = new Map(
      fleet.requests.map((r) => [
        r.name.toLowerCase(),
        r.image.kind === 'managedSnapshot' ? r.image.snapshotId.toLowerCase() : '',
      ]),
    );
    const wrongSource = liveDisks.filter((d) => {
      const owner = d.tags[temporaryDeviceTag]?.toLowerCase();
      return !owner || d.sourceResourceId?.toLowerCase() !== snapshotOf.get(owner);
    }).length;
    const n = s.devices;
    const exactlyOnce = {
      vms: liveVms.length,
      disks: liveDisks.length,
      nics: liveNics.length,
      wrongSource,
      ok: liveVms.length === n && liveDisks.length === n && liveNics.length === n && wrongSource === 0,
    };
    const lastVmPut = vms.map((v) => v.timeCreated).reduce(max, startedAt);

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
    return {
      settings,
      seedSeconds: round(fleet.seedSeconds),
      realSeconds: round(driven.realSeconds),
      rtoSeconds: round(rtoSeconds),
      firstReadySeconds: round(firstReadySeconds),
      medianReadySeconds: round(medianReadySeconds),
      meanReadySeconds: round(meanReadySeconds),
      lastVmPutSeconds: round((lastVmPut - startedAt) / 1000),
      bound,
      boundRatio: round(bound.seconds / rtoSeconds, 3),
      devices: { ...driven.counts, timedOut: driven.timedOut },
      exactlyOnce,
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
