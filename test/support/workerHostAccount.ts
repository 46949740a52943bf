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

export const workerHostAccounts: StorageAccount[] = Array.from({ length: maxTestWorkers + 1 }, (_, i) =>
  workerHostAccount(i),
);
