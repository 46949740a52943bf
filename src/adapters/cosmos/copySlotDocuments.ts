/**
 * The documents of CopyStart's slots in the `copySlots` container, one logical partition per
 * (subscription, target region), and every query sent to them, beside the index that serves each
 * (`Indexing.copySlots` in ./containers):
 * - a request per copy (`copySlot`), id derived from the copy's id: waiting → granted → released,
 *   never back; released ones expire (`ttl`) once nothing can ask about them any more;
 * - the lease (`copySlotLease`, id `lease`): owner region, epoch, lease time and the copies holding
 *   a slot, written only by the owner with its ETag;
 * - the signal (`copySlotSignal`, id `signal`): raised by requesters, lowered by the owner when
 *   nothing waits, so a timer tick finds the keys with work in one indexed query.
 */
import type { SqlQuerySpec } from '@azure/cosmos';
import { createHash } from 'node:crypto';
import type { SlotHolder } from '../../ports/CopySlotOwnership';
import type { SlotWake } from '../../ports/CopySlots';
import type { CopySlotKey } from '../../ports/CopySlots';
import type { SystemFields } from './cosmosSystemFields';

export type RequestState = 'waiting' | 'granted' | 'released';

export interface RequestDocument extends SystemFields {
  id: string;
  partition: string;
  type: 'copySlot';
  subscriptionId: string;
  targetRegion: string;
  copyId: string;
  state: RequestState;
  requestedAt: string;
  /** The requester's clock: the order grants follow. */
  requestedAtMs: number;
  requestedBy: string;
  grantedAt?: string;
  grantedAtMs?: number;
  grantedBy?: { region: string; epoch: number };
  releasedAt?: string;
  /** The message the grant sends, so the copy starts at once (the requester's latest). */
  wake?: SlotWake;
  /** Seconds until Cosmos DB removes a released request (the container's TTL is on, per item). */
  ttl?: number;
}

export interface LeaseDocument extends SystemFields {
  id: 'lease';
  partition: string;
  type: 'copySlotLease';
  subscriptionId: string;
  targetRegion: string;
  region: string;
  epoch: number;
  leaseUntil: string;
  holders: SlotHolder[];
  updatedAt: string;
}

export interface SignalDocument extends SystemFields {
  id: 'signal';
  partition: string;
  type: 'copySlotSignal';
  subscriptionId: string;
  targetRegion: string;
  waiting: boolean;
  changedAt: string;
}

/** The key as stored: ARM ids and region names compare case-insensitively. */
export function normalKey(key: CopySlotKey): CopySlotKey {
  return { subscriptionId: key.subscriptionId.toLowerCase(), targetRegion: key.targetRegion.toLowerCase() };
}

export function partitionOf(key: CopySlotKey): string {
  const { subscriptionId, targetRegion } = normalKey(key);
  return `${subscriptionId}|${targetRegion}`;
}

/**
 * A request's id: the copy's id when Cosmos DB takes it as one (no `/ \ ? #`, not too long), else a
 * hash of it. The prefixes keep it apart from `lease` and `signal`.
 */
export function requestIdOf(copyId: string): string {
  return /^[A-Za-z0-9._:@=+-]{1,200}$/.test(copyId)
    ? `c-${copyId}`
    : `h-${createHash('sha256').update(copyId).digest('hex')}`;
}

export const leaseId = 'lease';
export const signalId = 'signal';

/** Keys where a copy waits, across partitions (`c.type`, `c.waiting`: equality on indexed paths). */
export function signalledQuery(): SqlQuerySpec {
  return { query: "SELECT * FROM c WHERE c.type = 'copySlotSignal' AND c.waiting = true" };
}

/** The oldest waiting requests of a key; the composite index (type, state, requestedAtMs) serves the sort. */
export function oldestWaitingQuery(partition: string, count: number): SqlQuerySpec {
  return {
    query: `SELECT TOP ${Math.max(1, Math.floor(count))} * FROM c WHERE c.partition = @partition AND c.type = 'copySlot' AND c.state = 'waiting' ORDER BY c.type, c.state, c.requestedAtMs`,
    parameters: [{ name: '@partition', value: partition }],
  };
}

/** Every granted request of a key: at most the limit, so small. */
export function grantedQuery(partition: string): SqlQuerySpec {
  return {
    query:
      "SELECT c.id, c.grantedAt FROM c WHERE c.partition = @partition AND c.type = 'copySlot' AND c.state = 'granted'",
    parameters: [{ name: '@partition', value: partition }],
  };
}

/** The lease's holders as they are now (the ids are point lookups in the index). */
export function holdersQuery(partition: string, requestIds: readonly string[]): SqlQuerySpec {
  const names = requestIds.map((_, i) => `@id${i}`);
  return {
    query: `SELECT c.id, c.state FROM c WHERE c.partition = @partition AND c.type = 'copySlot' AND c.id IN (${names.join(', ')})`,
    parameters: [
      { name: '@partition', value: partition },
      ...requestIds.map((id, i) => ({ name: names[i]!, value: id })),
    ],
  };
}
