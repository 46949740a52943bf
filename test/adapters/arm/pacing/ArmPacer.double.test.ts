/**
 * The pacer through the real `@azure/arm-compute` client against the ARM double (test/support/arm,
 * enforcing ARM's token buckets: a call that finds its bucket empty is counted in
 * `stats().overBudget` and answered 429), at full speed:
 * - three pacers of one principal, as three processes of one control-plane region would hold
 *   them (separate objects, each with its own Cosmos DB roster member in the emulator): no call
 *   over budget, and each a fair share; the same three each alone in its own eyes (what every
 *   pacer assumed before the roster) spend over it;
 * - one pacer alone still reaches the bucket's rate;
 * - a burst of VM PUTs past Compute's PUT VM policy: no Compute 429 through the pacer, some
 *   without it.
 * The double runs at time scale 1 with small buckets, so real seconds are its seconds.
 */
import type { ComputeManagementClient } from '@azure/arm-compute';
import { networkClient } from '../../../support/arm/armNetworkClient';
import type { CosmosClient, Container } from '@azure/cosmos';
import { RestError, type PipelinePolicy } from '@azure/core-rest-pipeline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pacerOnDoubleClock } from '../../../../bench/pacerOnDoubleClock';
import { ArmPacer } from '../../../../src/adapters/arm/pacing/ArmPacer';
import {
  ArmPriority,
  armPriorityHeader,
  withArmPriority,
} from '../../../../src/adapters/arm/pacing/armPriority';
import { CosmosPacerRoster } from '../../../../src/adapters/arm/pacing/CosmosPacerRoster';
import type { PacerRoster } from '../../../../src/adapters/arm/pacing/pacerRoster';
import { Containers } from '../../../../src/adapters/cosmos/containers';
import { UnavailableError } from '../../../../src/domain/errors';
import { computeClient } from '../../../support/arm/armTestClient';
import { attachedVmBody, seedSourceSnapshot } from '../../../support/arm/deviceResources';
import { startArmDouble, type ArmDouble } from '../../../support/arm/startArmDouble';
import { openCosmosTestDatabase } from '../../../support/cosmosTestDatabase';
import { testRosterTimings } from './rosterTimings';

const SUB = '00000000-0000-0000-0000-0000000000c1';
const REGION = 'westeurope';
/** Reads: a bucket of 30 refilled at 20 a second (ARM's are 250 and 25). */
const reads = { capacity: 30, refillPerSecond: 20 };

let cosmos: CosmosClient;
let container: Container;
const closing: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const opened = await openCosmosTestDatabase('pacer-double');
  cosmos = opened.client;
  container = opened.database.container(Containers.copySlots.id);
});
afterEach(async () => {
  await Promise.all(closing.splice(0).map((close) => close()));
});
afterAll(() => cosmos?.dispose());

async function readsDouble(): Promise<ArmDouble> {
  const double = await startArmDouble({
    timeScale: 1,
    throttling: 'enforce',
    limits: { readsBucket: reads.capacity, readsRefillPerSecond: reads.refillPerSecond },
  });
  closing.push(() => double.close());
  await double.seedDisk({
    subscriptionId: SUB,
    resourceGroup: 'rg',
    name: 'os',
    location: REGION,
    sizeGB: 16,
    osType: 'Windows',
    hyperVGeneration: 'V2',
  });
  return double;
}

/** A pacer (one process's) on the double's clock and its Compute client. */
function processOf(
  double: ArmDouble,
  roster?: PacerRoster,
): { pacer: ArmPacer; compute: ComputeManagementClient } {
  const pacer = new ArmPacer(
    { emit: () => undefined },
    {
      region: 'westeurope',
      timer: pacerOnDoubleClock(double, 1),
      limits: { read: reads },
      ...(roster ? { roster } : {}),
    },
  );
  closing.push(() => pacer.close());
  const compute = computeClient(double, SUB, {
    additionalPolicies: [{ policy: pacer.policy(), position: 'perRetry' }],
    retryOptions: { maxRetries: 0 },
  });
  return { pacer, compute };
}

/**
 * Each process reads the disk as fast as its 8 callers can until `stop` says so: the wall-clock
 * times of its answered reads, and the 429s it met.
 */
async function readFlat(processes: { compute: ComputeManagementClient }[], stop: () => boolean) {
  const answered = processes.map(() => [] as number[]);
  let throttled = 0;
  await Promise.all(
    processes.flatMap(({ compute }, p) =>
      Array.from({ length: 8 }, async () => {
        while (!stop()) {
          try {
            await compute.disks.get('rg', 'os');
            answered[p]!.push(Date.now());
          } catch (err) {
            if (err instanceof RestError && err.statusCode === 429) throttled += 1;
            else if (err instanceof UnavailableError) await new Promise((r) => setTimeout(r, 20));
            else throw err;
          }
        }
      }),
    ),
  );
  return { answered, throttled };
}

const after = (ms: number) => {
  const until = Date.now() + ms;
  return () => Date.now() >= until;
};

describe('ArmPacer across processes of one principal, against the ARM double', () => {
  it('three processes sharing through the roster send no call over budget, and each gets a fair share of the refill', async () => {
    const double = await readsDouble();
    const region = `shared-${Date.now()}`;
    const rosters = Array.from(
      { length: 3 },
      () => new CosmosPacerRoster(container, { region, timings: testRosterTimings }),
    );
    const members = rosters.map((roster) => processOf(double, roster));
    const start = Date.now();
    // Reads until 4.5 s after the last member was admitted (it waits for the others to count it).
    let admittedAt: number | undefined;
    const { answered, throttled } = await readFlat(members, () => {
      if (admittedAt === undefined && rosters.every((r) => r.view(SUB.toLowerCase()).admitted))
        admittedAt = Date.now();
      return admittedAt !== undefined && Date.now() >= admittedAt + 4_500;
    });
    const stats = double.stats();
    expect(stats.overBudget).toBe(0);
    expect(throttled).toBe(0);
    // From half a second after (each share has learned or refilled) for 4 s: 4 s of a
    // 20-a-second refill, shared three ways.
    const from = admittedAt! + 500;
    const window = answered.map((times) => times.filter((t) => t >= from && t < from + 4_000).length);
    const refill = reads.refillPerSecond * 4;
    expect(window.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(0.85 * refill);
    for (const count of window) expect(count).toBeGreaterThanOrEqual(0.75 * (refill / 3));
    console.info(
      `[ArmPacer.double] shared: ${JSON.stringify({ window, total: answered.map((a) => a.length), overBudget: stats.overBudget, admittedAfterMs: admittedAt! - start })}`,
    );
  }, 60_000);

  it('three processes each alone in its own eyes, as every pacer was before the roster, send calls over budget', async () => {
    const double = await readsDouble();
    const members = Array.from({ length: 3 }, () => processOf(double));
    const { throttled } = await readFlat(members, after(3_000));
    expect(double.stats().overBudget).toBeGreaterThan(0);
    expect(throttled).toBe(double.stats().overBudget);
    console.info(
      `[ArmPacer.double] alone each: ${JSON.stringify({ overBudget: double.stats().overBudget })}`,
    );
  }, 60_000);

  it('one process alone on the roster still reaches the bucket’s rate', async () => {
    const double = await readsDouble();
    const alone = processOf(
      double,
      new CosmosPacerRoster(container, { region: `alone-${Date.now()}`, timings: testRosterTimings }),
    );
    const forMs = 5_000;
    const start = Date.now();
    const { answered, throttled } = await readFlat([alone], after(forMs));
    const inTime = answered[0]!.filter((t) => t < start + forMs).length;
    expect(double.stats().overBudget).toBe(0);
    expect(throttled).toBe(0);
    // The bucket gives at most its 30 and 20 a second: 130 in 5 s. Admission (a replication lag,
    // 150 ms here) and the probe's token cost a few.
    const budget = reads.capacity + reads.refillPerSecond * (forMs / 1000);
    expect(inTime).toBeGreaterThanOrEqual(0.85 * budget);
    console.info(`[ArmPacer.double] alone: ${JSON.stringify({ answered: inTime, budget })}`);
  }, 60_000);
});

describe('ArmPacer priorities through the real SDK client', () => {
  it('reads the priority `withArmPriority` marks a call with, and strips it before the request leaves', async () => {
    const double = await readsDouble();
    const pacer = new ArmPacer(
      { emit: () => undefined },
      { region: 'westeurope', timer: pacerOnDoubleClock(double, 1) },
    );
    closing.push(() => pacer.close());
    const seen: { before: string | undefined; after: string | undefined }[] = [];
    const recorder = (where: 'before' | 'after'): PipelinePolicy => ({
      name: `record-${where}`,
      sendRequest: async (request, next) => {
        if (where === 'before')
          seen.push({ before: request.headers.get(armPriorityHeader), after: undefined });
        else seen.at(-1)!.after = request.headers.get(armPriorityHeader);
        return await next(request);
      },
    });
    const compute = computeClient(double, SUB, {
      additionalPolicies: [
        { policy: recorder('before'), position: 'perRetry' },
        { policy: pacer.policy(), position: 'perRetry' },
        { policy: recorder('after'), position: 'perRetry' },
      ],
    });
    await compute.disks.get('rg', 'os', withArmPriority(ArmPriority.recoveryVm));
    expect(seen).toEqual([{ before: String(ArmPriority.recoveryVm), after: undefined }]);
  }, 60_000);
});

describe("ArmPacer and Compute's PUT VM policy, against the ARM double", () => {
  /** Compute's PutVM bucket made small: 4, refilled 60 a minute (1,500 and 500 in Azure). */
  const putVm = { capacity: 4, refillPerSecond: 1 };
  const vms = 10;
  /** Ten simulated seconds a real one, so the seeding's long-running operations are quick. */
  const timeScale = 10;

  async function vmDouble() {
    const double = await startArmDouble({
      timeScale,
      limits: { putVmBucket: putVm.capacity, putVmRefillPerMinute: putVm.refillPerSecond * 60 },
    });
    closing.push(() => double.close());
    const subnet = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v/subnets/s`;
    double.seedSubnet(subnet, REGION);
    const compute = computeClient(double, SUB);
    const network = networkClient(double, SUB);
    const fast = { updateIntervalInMs: 10 };
    const bodies = await Promise.all(
      Array.from({ length: vms }, async (_, i) => {
        const snapshotId = await seedSourceSnapshot(
          double,
          compute,
          {
            subscriptionId: SUB,
            resourceGroup: 'rg-primary',
            name: `pc-${i}-os`,
            location: REGION,
            sizeGB: 16,
            osType: 'Windows',
            hyperVGeneration: 'V2',
            securityType: 'TrustedLaunch',
          },
          `pc-${i}-snap`,
        );
        const disk = await compute.disks.createOrUpdate(
          'rg',
          `pc-${i}-disk`,
          {
            location: REGION,
            zones: ['1'],
            sku: { name: 'Premium_LRS' },
            creationData: { createOption: 'Copy', sourceResourceId: snapshotId },
          },
          fast,
        );
        const nic = await network.networkInterfaces.createOrUpdate(
          'rg',
          `pc-${i}-nic`,
          { location: REGION, ipConfigurations: [{ name: 'ip', subnet: { id: subnet } }] },
          fast,
        );
        return attachedVmBody({ location: REGION, diskId: disk.id!, nicId: nic.id! });
      }),
    );
    return { double, bodies };
  }

  it('sends a burst of VM PUTs past the limit with no Compute 429; the same burst without it meets some', async () => {
    const { double, bodies } = await vmDouble();
    // As the pacer is told ARM's buckets for a subscription with other limits, it is told these.
    const pacer = new ArmPacer(
      { emit: () => undefined },
      {
        region: 'westeurope',
        timer: pacerOnDoubleClock(double, timeScale),
        computeLimits: { 'Microsoft.Compute/PutVM3Min': putVm },
      },
    );
    const client = computeClient(double, SUB, {
      additionalPolicies: [{ policy: pacer.policy(), position: 'perRetry' }],
      retryOptions: { maxRetries: 0 },
    });
    await Promise.all(
      bodies.map((body, i) => client.virtualMachines.createOrUpdate('rg', `vm-${i}`, body).submitted()),
    );
    const withPacer = double.stats().compute;
    expect(withPacer.vmPuts).toBe(vms);
    expect(withPacer.computeThrottled).toBe(0);
    const put = pacer.snapshot().find((b) => b.policy === 'Microsoft.Compute/PutVM3Min')!;
    expect(put).toMatchObject({ calls: vms, throttled: 0, location: REGION });

    // A full bucket again, and the same PUTs (each converges on its VM) with no pacer: the old
    // pacer paced only ARM's write bucket, which ten writes do not empty, so it sent them alike.
    double.advance(60_000);
    const bare = computeClient(double, SUB, { retryOptions: { maxRetries: 0 } });
    const outcomes = await Promise.allSettled(
      bodies.map((body, i) => bare.virtualMachines.createOrUpdate('rg', `vm-${i}`, body).submitted()),
    );
    const refused = double.stats().compute.computeThrottled;
    expect(refused).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(refused);
    console.info(
      `[ArmPacer.double] PUT VM burst of ${vms}: ${JSON.stringify({ withPacer: 0, without: refused })}`,
    );
  }, 60_000);
});
