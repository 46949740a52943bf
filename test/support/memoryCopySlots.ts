/**
 * CopyStart's slots in memory, for tests: at most `limit` copies granted per (subscription, target
 * region) at once, idempotent by copy id, as the CopySlots port says. Records the most ever granted
 * at once, so a test can show the limit held.
 */
import type { CopySlotKey, CopySlots } from '../../src/ports/CopySlots';

export class MemoryCopySlots implements CopySlots {
  private readonly granted = new Map<string, Set<string>>();
  readonly maxGranted = new Map<string, number>();
  requests = 0;
  waits = 0;

  constructor(private readonly limit = 100) {}

  async request(key: CopySlotKey, copyId: string): Promise<'granted' | 'waiting'> {
    this.requests += 1;
    const k = keyOf(key);
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
    this.granted.get(keyOf(key))?.delete(copyId);
  }

  inFlight(key: CopySlotKey): number {
    return this.granted.get(keyOf(key))?.size ?? 0;
  }
}

function keyOf(key: CopySlotKey): string {
  return `${key.subscriptionId.toLowerCase()}|${key.targetRegion}`;
}
