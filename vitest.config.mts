import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Two tiers (README, "Tests"). `npm test` runs `unit`: unit, adapter and handler tests in the test
 * process against the shared emulators. `npm run test:system` runs `system`: tests of whole
 * processes — `npm start` and control-plane processes started, SIGKILLed and SIGSTOPped,
 * dependencies blackholed, the benchmark's smoke runs — which take minutes and most of the
 * machine. A file is in exactly one tier (test/tiers.test.ts checks it): these are the system
 * tier, every other test file is the unit tier.
 */
export const systemTier = [
  'test/functions/azureRecovery.test.ts',
  // 48 devices recovered in Azure settings through a 429 storm, duplicate deliveries and a restart: a minute.
  'test/functions/azureRecoveryFaults.test.ts',
  // `npm start` (the supervisor and its emulators) as a child process.
  'test/local/npmStart.test.ts',
  'test/local/outageDrill.test.ts',
  'test/local/readmeWalkthrough.test.ts',
  'test/scripts/startChecks.test.ts',
  // Control-plane and driver processes SIGKILLed and SIGSTOPped mid-work.
  'test/local/activationFailover.test.ts',
  'test/local/durable/crashResumption.test.ts',
  // Activations end to end on the whole embedded runtime (HTTP host, orchestration driver, queue
  // host): minutes of waves, leases and durable timers.
  'test/functions/activations.test.ts',
  'test/functions/fleetDrill.test.ts',
  'test/functions/managedDiskScale.test.ts', // 200 managed disks paced through small ARM buckets: a minute.
  // Dependencies that accept connections and never answer.
  'test/**/blackholed*.test.ts',
  // `npm run bench`'s smoke runs: a protection cycle, an activation and their floors.
  'test/bench/bench.test.ts',
  'test/bench/benchFailure.test.ts',
  // Emulators of its own, a protection cycle and an activation in Azure settings: about a minute.
  'test/bench/recoveryArmProduct.test.ts',
];

export default defineConfig({
  test: {
    // One Azurite and one Cosmos emulator for the whole run, whichever tiers run; each test file
    // isolates itself with its own database and ids.
    globalSetup: ['test/support/globalSetup.ts'],
    // Outside the Functions host @azure/functions warns once per registration; that is expected.
    onConsoleLog: (log) => !/package (is in|to) test mode/.test(log),
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts', 'portal/test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...systemTier],
          pool: 'forks',
          // Most files wait on the emulators rather than compute: three at once keep two cores
          // busy (the default, cores − 1, ran them one after another).
          maxWorkers: 3,
          testTimeout: 30_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'system',
          include: systemTier,
          pool: 'forks',
          // Each file runs whole process trees of its own (a supervisor, emulators, control
          // planes): two at once fill two cores.
          maxWorkers: 2,
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // After the unit tier when both run in one `vitest run`.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
