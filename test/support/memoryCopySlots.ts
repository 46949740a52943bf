/**
 * CopyStart's slots in memory, for tests: at most `limit` copies granted per (subscription, target
 * region) at once, idempotent by copy id, as the CopySlots port says. A release is final, as in
 * CosmosCopySlots: the copy id asking again (or asking first after a release that came before any
 * request) is refused with `copy-slot-released`. test/ports/CopySlots.test.ts holds both to the
 * same cases. Records the most ever granted at once, so a test can show the limit held.
 */
import { ConflictError } from '../../src/domain/errors';
import type { CopySlotKey, CopySlots } from '../../src/ports/CopySlots';

export class MemoryCopySlots implements CopySlots {
  private readonly granted = new Map<string, Set<string>>();
  private readonly released = new Map<string, Set<string>>();
  readonly maxGranted = new Map<string, number>();
  requests = 0;
  waits = 0;

  constructor(private readonly limit = 100) {}

  async request(key: CopySlotKey, copyId: string): Promise<'granted' | 'waiting'> {
    this.requests += 1;
    const k = keyOf(key);
    if (this.released.get(k)?.has(copyId))
      throw new ConflictError('copy-slot-released', `Copy ${copyId} already released its slot`);
    const held = this.granted.get(k) ?? new Set<string>();
    this.granted.set(k, held);
    if (held.has(copyId)) return 'granted';
    if (held.size >= this.limit) {
      this.waits += 1;
      return 'waiting';
    }
    held.add(copyId);
    this.maxGranted.set(k, Math.max(this.maxGranted.get(k) ?? 0, held.size));
    return 'granted';
  }

  async release(key: CopySlotKey, copyId: string): Promise<void> {
    const k = keyOf(key);
    this.granted.get(k)?.delete(copyId);
    // A tombstone even without a request (abandoned before it asked), as Cosmos keeps one.
    const released = this.released.get(k) ?? new Set<string>();
    released.add(copyId);
    this.released.set(k, released);
  }

  inFlight(key: CopySlotKey): number {
    return this.granted.get(keyOf(key))?.size ?? 0;
  }
}

/** As Cosmos stores it (copySlotDocuments.normalKey): subscription and region compare without case. */
function keyOf(key: CopySlotKey): string {
  return `${key.subscriptionId.toLowerCase()}|${key.targetRegion.toLowerCase()}`;
}
