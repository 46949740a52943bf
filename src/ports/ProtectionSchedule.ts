import type { Device, PendingRestorePoint, ProtectionBlock } from '../domain/device';
import type { Page, PageRequest } from './Page';

/** When each device's next restore point is due, and the restore point in progress on it. */
export interface ProtectionSchedule {
  /** Licensed devices with an enabled policy whose next restore point is due, soonest first, paged. */
  due(now: Date, page: PageRequest): Promise<Page<Device>>;
  /** Moves the next due time on, unless someone else already did (false then). */
  advanceSchedule(device: Device, nextDueAt: Date): Promise<boolean>;
  /**
   * Records the restore point in progress only if the device is unchanged since it was read, so two
   * workers on one slot agree on one snapshot; a scheduled point also moves the next due time on.
   * Undefined when someone else changed the device first.
   */
  claimPending(device: Device, pending: PendingRestorePoint, nextDueAt?: Date): Promise<Device | undefined>;
  /** Ends `owner`'s lease on the pending point, if it still holds it, so the next message may work on it. */
  releasePending(device: Device, owner: string, now: Date): Promise<void>;
  clearPending(device: Device): Promise<Device>;
  /**
   * Records why the device is not protected (kept from its first refusal: `since` stays), and for
   * a refused scheduled slot moves the next due time on. `claimPending` clears it.
   */
  blockProtection(device: Device, block: ProtectionBlock, nextDueAt?: Date): Promise<void>;
}
