/**
 * Who shares a principal's ARM buckets: the pacers (one per process) calling ARM as the same
 * identity on the same subscription. Each pacer holds one membership; its share of every bucket of
 * a subscription is 1/members of the bucket's size and refill, and it spends nothing unless
 * admitted (every other member's current view counts it, so their shares leave room for it).
 * ./ArmPacer.ts says why, and what it costs.
 */
export interface RosterView {
  /** This member may spend its share now. */
  admitted: boolean;
  /** Members sharing the buckets of the scope, this one included (at least 1). */
  members: number;
  /**
   * Which admission this is: a member admitted again after it left (idle) or lost its place (a
   * roster it could not refresh) starts its share afresh, whatever it held before.
   */
  epoch: number;
}

/** One pacer's membership. A scope is a subscription id (lower case), or `tenant`. */
export interface PacerRoster {
  view(scope: string): RosterView;
  /**
   * Calls of `scope` are waiting or in flight (`true`), or none are any more (`false`). A member
   * joins a scope when it gets busy and may leave it once it has been idle a while; it never
   * leaves while busy.
   */
  busy(scope: string, busy: boolean): void;
  /** `listener` runs whenever a view may have changed (admission, members). */
  onChange(listener: () => void): void;
  /** Leaves every scope; the pacer spends nothing afterwards. */
  close(): Promise<void>;
}

/** The roster of a pacer that is the only one of its principal (a single process; tools). */
export class SoloRoster implements PacerRoster {
  private closed = false;
  private readonly listeners: (() => void)[] = [];

  view(): RosterView {
    return { admitted: !this.closed, members: 1, epoch: 1 };
  }

  busy(): void {}

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const listener of this.listeners) listener();
    await Promise.resolve();
  }
}
