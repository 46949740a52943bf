import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One Azurite and one Cosmos emulator for the whole run; each test file isolates itself with
    // its own database and ids.
    globalSetup: ['test/support/globalSetup.ts'],
    pool: 'forks',
    // Most long files wait on timers, queues and child processes rather than compute: three at once
    // keep two cores busy (the default, cores − 1, ran them one after another).
    maxWorkers: 3,
    testTimeout: 30_000,
    // Outside the Functions host @azure/functions warns once per registration; that is expected.
    onConsoleLog: (log) => !/package (is in|to) test mode/.test(log),
    hookTimeout: 60_000,
  },
});
