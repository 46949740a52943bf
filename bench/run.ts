/**
 * `npm run bench -- [--devices 1000,10000,50000] [--runs 3] [--concurrency 16] [--results bench/results]
 *                   [--activation-latency MS] [--activation-capacity N] [--only cycle|activation]`
 *
 * Runs the protection-cycle and activation benchmark against the embedded runtime (see
 * bench/harness.ts), prints
 * a table, and writes `<results>/<timestamp>.json` (every figure of every run, the machine, the
 * commit) and `<results>/latest.md`. Child processes never outlive it: Ctrl-C kills them.
 */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { killChildrenNow } from './emulators';
import { runBenchmark } from './harness';
import { runPortalBenchmark } from './portalRun';
import { runManagedCycleArmBenchmark } from './managedCycleArmRun';
import { runRecoveryArmBenchmark } from './recoveryArmRun';
import { defaultDeviceCounts, defaultResultsDir } from './settings';

const usage = `usage: npm run bench -- [--devices 1000,10000,50000] [--runs N] [--concurrency 16] [--probe-interval 100]
                             [--results DIR] [--timeout-minutes M]
                             [--activation-latency MS] [--activation-capacity N]
                             [--only cycle|activation|managed-cycle|managed-cycle-arm|recovery-arm|recovery-arm-product|portal]
                             [--arm-time-scale S] [--disk-gib G] [--catalogue azurite|memory] [--arm-thread]
                             [--copy-poll-seconds P] [--subscriptions 1,4] [--portal-dir DIR]

  --devices         fleet sizes, comma-separated (default ${defaultDeviceCounts.join(',')})
  --runs            runs per size (default 3 for N ≤ 10,000, 1 above); figures are medians
  --concurrency     the queue host's maxConcurrentCalls, and the floor's (default 16)
  --probe-interval  ms between compliance report requests during the cycle, and activation status
                    requests during the activation and deactivation (default 100)
  --results         folder for <timestamp>.json and latest.md (default bench/results)
  --timeout-minutes longest wait for each of the set-up, the cycle and the floor of one run (default
                    1 min + 6 s per 100 devices); a run out of time is reported with how far it got
  --activation-latency, --activation-capacity
                    with either, one more activation per run after the deactivation, with the
                    simulated provider's provisioning latency (ms, default 0) and capacity (temporary
                    devices in the backup region, default unlimited): reports its measured RTO
                    (request → last device recovered); below N, it stops once the capacity is used
  --only            one half of each run: "cycle" (the set-up, the cycle and its floor) or "activation"
                    (the set-up, one seeded verified restore point per device in place of the cycle,
                    the activation, the deactivation and the activation's floor), or "managed-cycle"
                    (managed disks against the ARM double: a seeding cycle and a steady one, each
                    against the bound ARM's limits imply; not part of the default run), or
                    "managed-cycle-arm" (the same two cycles driven directly through the product's
                    ArmDiskSource and ManagedDiskRestorePointStore as RestorePointWorker sequences them,
                    without Cosmos DB or queues, the fleet over --subscriptions, for 1,000–50,000
                    devices; not part of the default run), or "recovery-arm"
                    (an activation's recovery onto Azure compute against the ARM double, through the
                    product's Azure provider and pacer without Cosmos DB or queues, against the bound
                    ARM's and Compute's limits imply; no emulators; not part of the default run), or
                    "recovery-arm-product" (the same recovery through the product's whole path: the
                    fleet registered and protected, the region activated over HTTP with
                    COMPUTE_PROVIDER=azure, recovered by the orchestration and the queue worker through
                    Cosmos DB and the queue, one subscription, the same bound; not part of the
                    default run), or "portal" (the admin portal's Devices and Fleet pages loaded cold in Chromium, --runs
                    times each (default 10), against one tenant of --devices (default 50,000) devices
                    written straight into Cosmos DB; not part of the default run)
  --arm-time-scale  managed-cycle: the ARM double's simulated seconds per real second (default 4; may be
                    below 1, e.g. 0.25, when the machine cannot keep up with the double's time);
                    recovery-arm-product: during the activation (default 1; its set-up runs at 600);
                    managed-cycle-arm: default 4 (choose it so handlers' lateness stays small)
  --disk-gib        managed-cycle, managed-cycle-arm: each OS disk's size, what its seeding copy moves (default 16)
  --copy-poll-seconds managed-cycle: how often a running copy is looked at, simulated (default 10,
                    the worker's checkDelayInMs)
  --catalogue       managed-cycle-arm: the restore-point catalogue on "azurite" (default) or on
                    "memory", an in-process stand-in for Blob Storage (bench/catalogueBlobDouble.ts)
  --arm-thread      managed-cycle-arm: the ARM double (and the catalogue stand-in) in a thread of its own
  --subscriptions   recovery-arm, managed-cycle-arm: subscriptions the fleet is spread over, comma-separated (default 1);
                    each with each --devices (default 1000); --arm-time-scale defaults to 4 there too
  --portal-dir      portal: a built portal to serve (default: built with Vite into a temporary folder)`;

/** A bad command line: reported with the usage and exit code 2, without a stack trace. */
class UsageError extends Error {}

function wholeNumber(name: string, raw: string | undefined, min = 1): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw.replace(/[_,]/g, ''));
  if (!Number.isInteger(value) || value < min)
    throw new UsageError(`--${name} must be a whole number ≥ ${min}; got "${raw}"`);
  return value;
}

/** A time scale may be below 1: the ARM double slower than real time, so the machine keeps up. */
function positiveNumber(name: string, raw: string): number {
  const value = Number(raw);
  if (!(Number.isFinite(value) && value > 0))
    throw new UsageError(`--${name} must be a number > 0; got "${raw}"`);
  return value;
}

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        devices: { type: 'string' },
        runs: { type: 'string' },
        concurrency: { type: 'string' },
        'probe-interval': { type: 'string' },
        results: { type: 'string' },
        'timeout-minutes': { type: 'string' },
        'activation-latency': { type: 'string' },
        'activation-capacity': { type: 'string' },
        only: { type: 'string' },
        'arm-time-scale': { type: 'string' },
        'disk-gib': { type: 'string' },
        'copy-poll-seconds': { type: 'string' },
        subscriptions: { type: 'string' },
        catalogue: { type: 'string' },
        'arm-thread': { type: 'boolean' },
        'portal-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    // parseArgs's own refusals (an unknown flag, a flag without its value) are usage errors too.
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

async function main(): Promise<void> {
  const values = parseCommandLine();
  if (values.help) {
    console.log(usage);
    return;
  }
  const only = values.only;
  if (
    only !== undefined &&
    only !== 'cycle' &&
    only !== 'activation' &&
    only !== 'managed-cycle' &&
    only !== 'managed-cycle-arm' &&
    only !== 'recovery-arm' &&
    only !== 'recovery-arm-product' &&
    only !== 'portal'
  )
    throw new UsageError(
      `--only must be "cycle", "activation", "managed-cycle", "managed-cycle-arm", "recovery-arm", "recovery-arm-product" or "portal"; got "${only}"`,
    );
  const managed = {
    ...(values['arm-time-scale']
      ? { timeScale: positiveNumber('arm-time-scale', values['arm-time-scale']) }
      : {}),
    ...(values['disk-gib'] ? { diskGiB: wholeNumber('disk-gib', values['disk-gib'])! } : {}),
    ...(values['copy-poll-seconds']
      ? { copyPollSeconds: wholeNumber('copy-poll-seconds', values['copy-poll-seconds'])! }
      : {}),
  };
  const devices = values.devices?.split(',').map((n) => wholeNumber('devices', n.trim())!);
  const stop = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n[bench] ${signal}: stopping the emulators\n`);
    killChildrenNow();
    process.exit(130);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  if (only === 'portal') {
    for (const size of devices ?? [50_000]) {
      const outcome = await runPortalBenchmark({
        devices: size,
        runs: values.runs ? wholeNumber('runs', values.runs)! : 10,
        ...(values['portal-dir'] ? { portalDir: values['portal-dir'] } : {}),
        resultsDir: values.results ?? defaultResultsDir,
      });
      console.log(outcome.table);
      console.log(
        `\nWritten: ${relative(process.cwd(), outcome.jsonFile)}, ${relative(process.cwd(), outcome.markdownFile)}`,
      );
    }
    return;
  }

  if (only === 'managed-cycle-arm') {
    const catalogue = values.catalogue ?? 'azurite';
    if (catalogue !== 'azurite' && catalogue !== 'memory')
      throw new UsageError(`--catalogue must be "azurite" or "memory"; got "${catalogue}"`);
    const outcome = await runManagedCycleArmBenchmark({
      devices: devices ?? [1_000],
      subscriptions: values.subscriptions?.split(',').map((n) => wholeNumber('subscriptions', n.trim())!) ?? [
        1,
      ],
      catalogue,
      ...(values['arm-thread'] ? { threaded: true } : {}),
      ...(managed.timeScale ? { timeScale: managed.timeScale } : {}),
      ...(managed.diskGiB ? { diskGiB: managed.diskGiB } : {}),
      ...(values.concurrency ? { concurrency: wholeNumber('concurrency', values.concurrency)! } : {}),
      ...(values['timeout-minutes']
        ? { timeoutMinutes: wholeNumber('timeout-minutes', values['timeout-minutes'])! }
        : {}),
      resultsDir: values.results ?? defaultResultsDir,
    });
    console.log(outcome.table);
    console.log(`\nWritten: ${relative(process.cwd(), outcome.jsonFile)}`);
    return;
  }

  if (only === 'recovery-arm' || only === 'recovery-arm-product') {
    const subscriptions = values.subscriptions
      ?.split(',')
      .map((n) => wholeNumber('subscriptions', n.trim())!);
    if (only === 'recovery-arm-product' && subscriptions?.some((n) => n !== 1))
      throw new UsageError('--subscriptions: recovery-arm-product runs on one subscription');
    const outcome = await runRecoveryArmBenchmark({
      path: only === 'recovery-arm-product' ? 'product' : 'direct',
      devices: devices ?? [1_000],
      subscriptions: subscriptions ?? [1],
      ...(managed.timeScale ? { timeScale: managed.timeScale } : {}),
      ...(values.concurrency ? { concurrency: wholeNumber('concurrency', values.concurrency)! } : {}),
      ...(values['timeout-minutes']
        ? { timeoutMinutes: wholeNumber('timeout-minutes', values['timeout-minutes'])! }
        : {}),
      resultsDir: values.results ?? defaultResultsDir,
    });
    console.log(outcome.table);
    console.log(`\nWritten: ${relative(process.cwd(), outcome.jsonFile)}`);
    return;
  }

  const outcome = await runBenchmark({
    ...(devices ? { devices } : {}),
    ...(values.runs ? { runs: wholeNumber('runs', values.runs)! } : {}),
    ...(values.concurrency ? { concurrency: wholeNumber('concurrency', values.concurrency)! } : {}),
    ...(values['probe-interval']
      ? { probeIntervalMs: wholeNumber('probe-interval', values['probe-interval'])! }
      : {}),
    ...(values['timeout-minutes']
      ? { timeoutMs: () => wholeNumber('timeout-minutes', values['timeout-minutes'])! * 60_000 }
      : {}),
    ...(values['activation-latency']
      ? { activationLatencyMs: wholeNumber('activation-latency', values['activation-latency'], 0)! }
      : {}),
    ...(values['activation-capacity']
      ? { activationCapacity: wholeNumber('activation-capacity', values['activation-capacity'])! }
      : {}),
    ...(only ? { only } : {}),
    managed,
    resultsDir: values.results ?? defaultResultsDir,
  });
  console.log(outcome.table);
  console.log(
    `\nWritten: ${relative(process.cwd(), outcome.jsonFile)}, ${relative(process.cwd(), outcome.markdownFile)}`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`[bench] ${err.message}\n${usage}`);
      process.exit(2);
    }
    console.error(`[bench] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    killChildrenNow();
    process.exit(1);
  },
);
