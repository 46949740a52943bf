/**
 * Starts the real local services once for the whole run, on free ports: Azurite (blob, queue,
 * table) with an account per simulated region, and the embedded Cosmos DB emulator.
 */
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { freePort } from '../../src/local/emulators/freePort';
import { startAzurite } from '../../src/local/emulators/startAzurite';
import { startCosmosEmulator } from '../../src/local/emulators/startCosmosEmulator';
import { workerHostAccounts } from './workerHostAccount';

export interface EmulatorPorts {
  blob: number;
  queue: number;
  table: number;
  cosmos: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    emulators: EmulatorPorts;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const ports = { blob: await freePort(), queue: await freePort(), table: await freePort() };
  const azurite = await startAzurite({ ports, extraAccounts: workerHostAccounts });
  const cosmos = await startCosmosEmulator(0);
  project.provide('emulators', { ...ports, cosmos: cosmos.port });
  return async () => {
    await Promise.all([azurite.stop(), cosmos.close()]);
  };
}
