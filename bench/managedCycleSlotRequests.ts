/**
 * The product's CopyStart slot requests as they stand in Cosmos DB after a cycle (read-only): when
 * each was granted and released, for the cycle's slot timeline (managedCycleSlotTimeline.ts). On
 * the wall clock: `grantedAt` is the scheduler's (the composition root gives it the system clock),
 * and a released request's last write, `_ts` (whole seconds), is its release — its own
 * `releasedAt` is on the business clock the bench holds still.
 */
import { Containers } from '../src/adapters/cosmos/containers';
import { createCosmosClient } from '../src/adapters/cosmos/createCosmosClient';
import type { Config } from '../src/config';
import type { SlotRequestTimes } from './managedCycleSlotTimeline';

export async function readSlotRequests(config: Config): Promise<SlotRequestTimes[]> {
  const client = createCosmosClient(config.cosmos.connection);
  try {
    const { resources } = await client
      .database(config.cosmos.database)
      .container(Containers.copySlots.id)
      .items.query<{ copyId: string; state: string; grantedAtMs?: number; _ts: number }>({
        query: "SELECT c.copyId, c.state, c.grantedAtMs, c._ts FROM c WHERE c.type = 'copySlot'",
      })
      .fetchAll();
    return resources.map((r) => ({
      copyId: r.copyId,
      ...(r.grantedAtMs !== undefined ? { grantedAtMs: r.grantedAtMs } : {}),
      ...(r.state === 'released' ? { releasedAtMs: r._ts * 1000 } : {}),
    }));
  } finally {
    client.dispose();
  }
}
