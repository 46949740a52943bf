/**
 * CopyStart's slots in Cosmos DB (documents: ./copySlotDocuments). Requesters (`CopySlots`) write
 * only their own request and the key's signal; the owner (`CopySlotOwnership`, driven by
 * src/app/CopySlotScheduler.ts) writes grants only in a transactional batch whose first operation
 * replaces the lease on its ETag, so a grant exists only if its writer held the lease at that
 * version. The copies holding a slot live in the lease document, not in a counter: last-writer-wins
 * across regions would lose increments and spend a slot twice.
 *
 * Multi-region writes: an ETag condition holds within the region that evaluates it. Two regions can
 * both write the lease only if Cosmos DB's replication between them stalls for longer than the lease
 * (the taker waits for it to run out on its own clock); should that happen, the merged state still
 * counts every copy a region saw granted (`holders`), and Azure itself refuses a 101st copy.
 */
import type { Container, JSONObject, OperationInput } from '@azure/cosmos';
import { ConflictError } from '../../domain/errors';
import type {
  CopySlotCommit,
  CopySlotLease,
  CopySlotOwnership,
  SlotHolder,
  WaitSignal,
  WaitingCopy,
} from '../../ports/CopySlotOwnership';
import type { CopySlotKey, CopySlots, SlotWake } from '../../ports/CopySlots';
import type { Clock } from '../../ports/Clock';
import { runBatch } from './cosmosBatch';
import {
  grantedQuery,
  holdersQuery,
  leaseId,
  normalKey,
  oldestWaitingQuery,
  partitionOf,
  requestIdOf,
  signalId,
  signalledQuery,
  type LeaseDocument,
  type RequestDocument,
  type SignalDocument,
} from './copySlotDocuments';
import { statusOf } from './statusOf';

export interface CosmosCopySlotsOptions {
  /** How long a released request is kept (answering a late duplicate) before Cosmos DB removes it. Default 7 days. */
  releasedTtlSeconds?: number;
}

/** Grants per batch: Cosmos DB takes 100 operations a batch, one of which is the lease. */
const grantsPerBatch = 99;
/**
 * A holder whose request is gone was released and then expired (`releasedTtlSeconds`); one granted
 * less than a day ago cannot be, so its absence is a read that has not caught up, and it stays.
 */
const goneAfterMs = 24 * 3_600_000;

export class CosmosCopySlots implements CopySlots, CopySlotOwnership {
  private readonly releasedTtlSeconds: number;

  constructor(
    private readonly container: Container,
    /** The control-plane region this process runs in: recorded on what it writes. */
    private readonly region: string,
    private readonly clock: Clock,
    options: CosmosCopySlotsOptions = {},
  ) {
    this.releasedTtlSeconds = options.releasedTtlSeconds ?? 7 * 86_400;
  }

  // ---- the requesters' side ----

  async request(key: CopySlotKey, copyId: string, wake?: SlotWake): Promise<'granted' | 'waiting'> {
    const partition = partitionOf(key);
    const id = requestIdOf(copyId);
    const now = this.clock.now();
    const { subscriptionId, targetRegion } = normalKey(key);
    const document: RequestDocument = {
      id,
      partition,
      type: 'copySlot',
      subscriptionId,
      targetRegion,
      copyId,
      state: 'waiting',
      requestedAt: now.toISOString(),
      requestedAtMs: now.getTime(),
      requestedBy: this.region,
      ...(wake ? { wake } : {}),
    };
    try {
      await this.container.items.create(document);
      // Always raised after a new request: an owner that read the signal before this write cannot lower it.
      await this.raise(key, now);
      return 'waiting';
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
    }
    const { resource } = await this.container.item(id, partition).read<RequestDocument>();
    if (!resource)
      throw new ConflictError(
        'copy-slot-changing',
        `The slot request of copy ${copyId} is changing; ask again`,
      );
    if (resource.state === 'granted') return 'granted';
    if (resource.state === 'released') {
      // Its slot was given back: a copy that runs again takes a new copyId, so it is counted again.
      throw new ConflictError('copy-slot-released', `Copy ${copyId} already released its slot`);
    }
    // Still waiting. A requester that comes back as another message (a retry's) keeps its wake-up
    // current: written only when it changed, and lost to a grant meanwhile (that one is sent).
    if (wake && resource.wake?.id !== wake.id) {
      try {
        await this.container.item(id, partition).patch(
          { operations: [{ op: 'set', path: '/wake', value: wake }] },
          {
            accessCondition: { type: 'IfMatch', condition: resource._etag },
          },
        );
      } catch (err) {
        if (statusOf(err) !== 412) throw err;
      }
    }
    // Make sure the owner knows (a lowered signal is raised again; cheap when it is up).
    const { resource: signal } = await this.container.item(signalId, partition).read<SignalDocument>();
    if (!signal?.waiting) await this.raise(key, now);
    return 'waiting';
  }

  async release(key: CopySlotKey, copyId: string): Promise<void> {
    const partition = partitionOf(key);
    const id = requestIdOf(copyId);
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const now = this.clock.now();
      const { resource } = await this.container.item(id, partition).read<RequestDocument>();
      if (resource?.state === 'released') return;
      const { subscriptionId, targetRegion } = normalKey(key);
      const released: RequestDocument = {
        ...(resource ?? {
          id,
          partition,
          type: 'copySlot',
          subscriptionId,
          targetRegion,
          copyId,
          requestedAt: now.toISOString(),
          requestedAtMs: now.getTime(),
          requestedBy: this.region,
        }),
        state: 'released',
        releasedAt: now.toISOString(),
        ttl: this.releasedTtlSeconds,
      };
      try {
        // Released without a request (abandoned before it asked): a tombstone, so a late request is refused.
        if (!resource) await this.container.items.create(released);
        else
          await this.container.item(id, partition).replace(released, {
            accessCondition: { type: 'IfMatch', condition: resource._etag },
          });
        return;
      } catch (err) {
        // Granted or created meanwhile: read it again.
        if (statusOf(err) !== 412 && statusOf(err) !== 409) throw err;
      }
    }
    throw new ConflictError('copy-slot-changing', `The slot request of copy ${copyId} keeps changing`);
  }

  private async raise(key: CopySlotKey, now: Date): Promise<void> {
    const { subscriptionId, targetRegion } = normalKey(key);
    const signal: SignalDocument = {
      id: signalId,
      partition: partitionOf(key),
      type: 'copySlotSignal',
      subscriptionId,
      targetRegion,
      waiting: true,
      changedAt: now.toISOString(),
    };
    await this.container.items.upsert(signal);
  }

  // ---- the owner's side ----

  async *signalled(): AsyncIterable<WaitSignal> {
    const query = this.container.items.query<SignalDocument>(signalledQuery(), { maxItemCount: 100 });
    while (query.hasMoreResults()) {
      const { resources } = await query.fetchNext();
      for (const signal of resources) {
        yield {
          key: { subscriptionId: signal.subscriptionId, targetRegion: signal.targetRegion },
          version: signal._etag!,
        };
      }
    }
  }

  async lease(key: CopySlotKey): Promise<CopySlotLease> {
    const partition = partitionOf(key);
    const { resource } = await this.container.item(leaseId, partition).read<LeaseDocument>();
    if (resource) return toLease(resource);
    const { subscriptionId, targetRegion } = normalKey(key);
    const empty: LeaseDocument = {
      id: leaseId,
      partition,
      type: 'copySlotLease',
      subscriptionId,
      targetRegion,
      region: '',
      epoch: 0,
      leaseUntil: new Date(0).toISOString(),
      holders: [],
      updatedAt: this.clock.now().toISOString(),
    };
    try {
      const { resource: created } = await this.container.items.create(empty);
      return toLease(created!);
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
      const { resource: existing } = await this.container.item(leaseId, partition).read<LeaseDocument>();
      return toLease(existing!);
    }
  }

  async holders(lease: CopySlotLease, now: Date): Promise<SlotHolder[]> {
    const partition = partitionOf(lease.key);
    const [seen, granted] = await Promise.all([
      lease.holders.length === 0
        ? Promise.resolve(new Map<string, string>())
        : this.container.items
            .query<{ id: string; state: string }>(
              holdersQuery(
                partition,
                lease.holders.map((h) => h.requestId),
              ),
              { partitionKey: partition },
            )
            .fetchAll()
            .then(({ resources }) => new Map(resources.map((r) => [r.id, r.state]))),
      this.container.items
        .query<{ id: string; grantedAt?: string }>(grantedQuery(partition), { partitionKey: partition })
        .fetchAll()
        .then(({ resources }) => resources),
    ]);
    const holders = lease.holders.filter((holder) => {
      const state = seen.get(holder.requestId);
      if (state === 'released') return false;
      if (state === undefined) return now.getTime() - Date.parse(holder.grantedAt) < goneAfterMs;
      return true;
    });
    const listed = new Set(holders.map((h) => h.requestId));
    for (const request of granted) {
      if (!listed.has(request.id))
        holders.push({ requestId: request.id, grantedAt: request.grantedAt ?? now.toISOString() });
    }
    return holders;
  }

  async oldestWaiting(key: CopySlotKey, count: number): Promise<WaitingCopy[]> {
    const partition = partitionOf(key);
    const { resources } = await this.container.items
      .query<RequestDocument>(oldestWaitingQuery(partition, count), { partitionKey: partition })
      .fetchAll();
    return resources.map((r) => ({
      requestId: r.id,
      copyId: r.copyId,
      requestedAt: r.requestedAt,
      version: r._etag!,
      ...(r.wake ? { wake: r.wake } : {}),
    }));
  }

  async commit(
    lease: CopySlotLease,
    next: Pick<CopySlotLease, 'region' | 'epoch' | 'leaseUntil' | 'holders'>,
    grants: readonly WaitingCopy[],
    now: Date,
  ): Promise<CopySlotCommit> {
    const partition = partitionOf(lease.key);
    const granted: string[] = [];
    let current = lease;
    let holders = [...next.holders];
    let pending = [...grants];
    do {
      const chunk = pending.slice(0, grantsPerBatch);
      const chunkHolders = [
        ...holders,
        ...chunk.map((g) => ({ requestId: g.requestId, grantedAt: now.toISOString() })),
      ];
      const operations: OperationInput[] = [
        {
          operationType: 'Replace',
          id: leaseId,
          resourceBody: toLeaseDocument(
            current,
            { ...next, holders: chunkHolders },
            now,
          ) as unknown as JSONObject,
          ifMatch: current.version,
        },
        ...chunk.map((copy): OperationInput => grantOperation(copy, next, now)),
      ];
      const outcome = await runBatch(this.container, partition, operations);
      if (!outcome.ok) {
        const failed = outcome.failedIndex;
        if (failed !== undefined && failed > 0) {
          // That request changed since it was listed (released, most likely): not granted; the rest go on.
          pending = pending.filter((g) => g !== chunk[failed - 1]);
          continue;
        }
        // The lease changed (or the batch failed without saying where): not ours to write.
        return { granted };
      }
      const written = outcome.results[0]?.resourceBody as LeaseDocument | undefined;
      current =
        written?._etag !== undefined
          ? toLease(written)
          : { ...current, ...next, holders: chunkHolders, version: outcome.results[0]!.eTag! };
      holders = chunkHolders;
      granted.push(...chunk.map((g) => g.requestId));
      pending = pending.slice(chunk.length);
    } while (pending.length > 0);
    return { lease: current, granted };
  }

  async settle(signal: WaitSignal): Promise<void> {
    const partition = partitionOf(signal.key);
    const { subscriptionId, targetRegion } = normalKey(signal.key);
    const lowered: SignalDocument = {
      id: signalId,
      partition,
      type: 'copySlotSignal',
      subscriptionId,
      targetRegion,
      waiting: false,
      changedAt: this.clock.now().toISOString(),
    };
    try {
      await this.container.item(signalId, partition).replace(lowered, {
        accessCondition: { type: 'IfMatch', condition: signal.version },
      });
    } catch (err) {
      // Raised again since: a copy waits, and the next tick will find it.
      if (statusOf(err) !== 412 && statusOf(err) !== 404) throw err;
    }
  }
}

function toLease(document: LeaseDocument): CopySlotLease {
  return {
    key: { subscriptionId: document.subscriptionId, targetRegion: document.targetRegion },
    region: document.region,
    epoch: document.epoch,
    leaseUntil: document.leaseUntil,
    holders: document.holders,
    version: document._etag!,
  };
}

function toLeaseDocument(
  lease: CopySlotLease,
  next: Pick<CopySlotLease, 'region' | 'epoch' | 'leaseUntil' | 'holders'>,
  now: Date,
): LeaseDocument {
  return {
    id: leaseId,
    partition: partitionOf(lease.key),
    type: 'copySlotLease',
    subscriptionId: lease.key.subscriptionId,
    targetRegion: lease.key.targetRegion,
    region: next.region,
    epoch: next.epoch,
    leaseUntil: next.leaseUntil,
    holders: next.holders,
    updatedAt: now.toISOString(),
  };
}

/** A waiting request becomes granted, only if unchanged since it was listed (its version). */
function grantOperation(
  copy: WaitingCopy,
  owner: Pick<CopySlotLease, 'region' | 'epoch'>,
  now: Date,
): OperationInput {
  return {
    operationType: 'Patch',
    id: copy.requestId,
    ifMatch: copy.version,
    resourceBody: {
      operations: [
        { op: 'set', path: '/state', value: 'granted' },
        { op: 'set', path: '/grantedAt', value: now.toISOString() },
        { op: 'set', path: '/grantedAtMs', value: now.getTime() },
        { op: 'set', path: '/grantedBy', value: { region: owner.region, epoch: owner.epoch } },
      ],
    },
  };
}
