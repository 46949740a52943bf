/**
 * Whether the policy's Entra group holds Desktop Virtualization User on the DR pool's desktop
 * application group: without it the user sees no desktop even once assigned to the session host
 * (learn.microsoft.com/azure/virtual-desktop/configure-host-pool-personal-desktop-assignment-type,
 * "users must also be assigned to the application group"). The product checks it and never makes
 * it (that needs role-assignment rights). Checked before anything is made for a device, once per
 * (application group, group) for a while: a yes for 10 minutes, a no for 1, so fixing the
 * assignment takes effect soon.
 */
import type { Clock } from '../../../ports/Clock';
import type { HostPools } from '../../../ports/HostPools';

export class GroupAssignmentCheck {
  private readonly answers = new Map<string, { assigned: Promise<boolean>; atMs: number }>();

  constructor(
    private readonly hostPools: HostPools,
    private readonly clock: Clock,
    private readonly yesForMs = 10 * 60_000,
    private readonly noForMs = 60_000,
  ) {}

  async isAssigned(applicationGroupId: string, groupObjectId: string): Promise<boolean> {
    const key = `${applicationGroupId.toLowerCase()}|${groupObjectId.toLowerCase()}`;
    const now = this.clock.now().getTime();
    const held = this.answers.get(key);
    if (held) {
      try {
        const assigned = await held.assigned;
        if (now - held.atMs < (assigned ? this.yesForMs : this.noForMs)) return assigned;
      } catch {
        // a failed check is asked again below
      }
    }
    const assigned = this.hostPools.isGroupAssigned(applicationGroupId, groupObjectId);
    this.answers.set(key, { assigned, atMs: now });
    try {
      return await assigned;
    } catch (err) {
      if (this.answers.get(key)?.assigned === assigned) this.answers.delete(key);
      throw err;
    }
  }
}
