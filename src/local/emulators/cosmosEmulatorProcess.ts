/**
 * Entry of the Cosmos emulator's own process: `node cosmosEmulatorProcess.js <port> <export file>`.
 * Loads the export on start, writes it on SIGTERM/SIGINT, so data survives a clean restart.
 */
import {
  allContainers,
  indexingPolicyOf,
  TimeToLive,
  type ContainerId,
} from '../../adapters/cosmos/containers';
import { createCosmosClient } from '../../adapters/cosmos/createCosmosClient';
import { cosmosEmulatorKey } from '../localSettings';
import { exportCosmos, importCosmos } from './cosmosPersistence';
import { startCosmosEmulator } from './startCosmosEmulator';

async function main(): Promise<void> {
  const port = Number(process.argv[2]);
  const file = process.argv[3];
  if (!Number.isInteger(port) || !file)
    throw new TypeError('usage: cosmosEmulatorProcess <port> <export file>');
  // The supervisor gone before this is ready (SIGKILLed during start-up): nothing to keep, go too.
  const leaveEarly = () => process.exit(1);
  process.once('disconnect', leaveEarly);
  const emulator = await startCosmosEmulator(port);
  const client = createCosmosClient({
    kind: 'connectionString',
    connectionString: `AccountEndpoint=http://127.0.0.1:${emulator.port}/;AccountKey=${cosmosEmulatorKey}`,
  });
  // The app's containers get the indexes this version declares, whatever the export saved.
  const imported = await importCosmos(client, file, (id) =>
    allContainers.some((c) => c.id === id)
      ? { indexingPolicy: indexingPolicyOf(id as ContainerId), defaultTtl: TimeToLive[id as ContainerId] }
      : undefined,
  );
  process.removeListener('disconnect', leaveEarly);
  if (process.send && !process.connected) return void process.exit(1);
  process.send?.({ ready: true, imported });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      const exported = await exportCosmos(client, file);
      process.send?.({ exported });
    } finally {
      client.dispose();
      await emulator.close();
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  // Stop when the supervisor goes away without a signal, rather than linger as an orphan.
  process.on('disconnect', () => void stop());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
