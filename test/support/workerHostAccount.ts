/**
 * A storage account per vitest worker for the host's own storage (work queues, task hub): test
 * files running at the same time must not take each other's queue messages or orchestrations.
 */
import type { StorageAccount } from '../../src/local/localSettings';

export const maxTestWorkers = 16;

export function workerHostAccount(poolId: number): StorageAccount {
  return {
    name: `drtesthost${poolId}`,
    key: Buffer.from(`local-test-host-${poolId}-key`).toString('base64'),
  };
}

/** The host storage of a second control-plane region in the same worker (failover tests). */
export function workerSecondHostAccount(poolId: number): StorageAccount {
  return {
    name: `drtesthostb${poolId}`,
    key: Buffer.from(`local-test-host-b-${poolId}-key`).toString('base64'),
  };
}

export const workerHostAccounts: StorageAccount[] = Array.from({ length: maxTestWorkers + 1 }, (_, i) => [
  workerHostAccount(i),
  workerSecondHostAccount(i),
]).flat();

export function currentPoolId(): number {
  return Number(process.env['VITEST_POOL_ID'] ?? 0) % (maxTestWorkers + 1);
}
