/**
 * What an activation left in the backup region, read from storage rather than from the product's
 * own records: each temporary device created exactly once, none left after the deactivation; and
 * the account put back as the activation found it.
 */
import type { BlobServiceClient } from '@azure/storage-blob';
import { isNotFound } from '../src/adapters/blob/storageErrors';
import {
  simulatedComputeContainerName,
  temporaryDevicesContainerName,
  type SimulatedComputeProvider,
} from '../src/adapters/compute/SimulatedComputeProvider';
import { temporaryDeviceName } from '../src/domain/recoveryTask';
import { LocalRegions } from '../src/local/localSettings';
import { tagged } from './requestCounter';

/** The temporary devices the simulated provider created for one activation. */
export interface CreationCheck {
  /** Creations of this activation's names, all told. */
  total: number;
  /** Names created, each counted once. */
  names: number;
  /** Devices with no creation, and names created more than once. */
  missing: number;
  duplicated: number;
  firstProblem?: string;
}

/**
 * Counts, from the provider's markers (`creations(region)`), how many times each of the devices'
 * temporary device names of this activation was created: exactly-once means each once.
 */
export async function checkCreations(
  compute: SimulatedComputeProvider,
  activationId: string,
  deviceIds: readonly string[],
): Promise<CreationCheck> {
  const creations = await tagged('check', () => compute.creations(LocalRegions.backup));
  const expected = new Set(deviceIds.map((id) => temporaryDeviceName(activationId, id)));
  const prefix = temporaryDeviceName(activationId, '');
  let total = 0;
  let names = 0;
  let duplicated = 0;
  let firstProblem: string | undefined;
  for (const [name, count] of creations) {
    if (!name.startsWith(prefix)) continue;
    total += count;
    names += 1;
    if (count !== 1) {
      duplicated += 1;
      firstProblem ??= `${name} created ${count} times`;
    }
    if (!expected.has(name)) firstProblem ??= `${name} is no device of the fleet`;
  }
  const missing = [...expected].filter((name) => !creations.has(name));
  if (missing.length > 0) firstProblem ??= `${missing[0]} was never created`;
  return {
    total,
    names,
    missing: missing.length,
    duplicated,
    ...(firstProblem ? { firstProblem } : {}),
  };
}

/** The activation's temporary devices still in the backup region. */
export async function temporaryDevicesLeft(
  compute: SimulatedComputeProvider,
  activationId: string,
): Promise<number> {
  return await tagged('check', async () => {
    let left = 0;
    for await (const device of compute.listTemporaryDevices(LocalRegions.backup))
      if (device.tags.activationId === activationId) left += 1;
    return left;
  });
}

/**
 * Puts the backup account back as the activation found it — the verified points with their read
 * snapshots alone — since Azurite's cost per request grows with the blobs in an account: deletes
 * the temporary devices' container and the creation markers. The compute provider remembers the
 * containers it created: build the services again before the product recovers into this account
 * again.
 */
export async function resetBackupAccount(backup: BlobServiceClient): Promise<void> {
  await tagged('check', async () => {
    for (const name of [temporaryDevicesContainerName, simulatedComputeContainerName]) {
      await backup
        .getContainerClient(name)
        .delete()
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
    }
  });
}
