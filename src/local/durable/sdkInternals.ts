/**
 * The parts of the durable-functions executor the embedded driver uses beyond the SDK's public API
 * (`lib/src/*`, typed in durableFunctionsInternals.d.ts from 3.5's code), checked when this module
 * loads: the installed SDK must be the version they were read from, each class still of its shape.
 * A newer SDK then stops the driver at start with a message naming both versions, rather than
 * replaying histories through an executor whose internals have moved.
 */
import { Orchestrator } from 'durable-functions/lib/src/orchestrations/Orchestrator';
import { NoOpTask, RetryableTask } from 'durable-functions/lib/src/task';
import { checkPackage, expectFunction } from '../emulators/patchChecks';
import { patchedVersions } from '../emulators/patchedVersions';

export function checkDurableInternals(): void {
  const fix = 'the embedded durable driver';
  const sdk = checkPackage(fix, 'durable-functions', patchedVersions['durable-functions'], require);
  expectFunction(fix, sdk, { Orchestrator }, 'Orchestrator', 1);
  expectFunction(fix, sdk, Orchestrator.prototype, 'handle', 2);
  expectFunction(fix, sdk, { NoOpTask }, 'NoOpTask', 0);
  expectFunction(fix, sdk, { RetryableTask }, 'RetryableTask', 2);
}

checkDurableInternals();

export { NoOpTask, Orchestrator, RetryableTask };
