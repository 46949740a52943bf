/**
 * When each device of a managed-disk cycle had its point recorded, from the worker's own summary
 * of each invocation ("Restore point <device>@<slot> (attempt n): recorded", src/functions/
 * protection.ts). The cycle ends when every device has one: `rpo.protected` is not enough, since
 * the worker announces it only to a device not already announced protected, and a device whose
 * previous point was not yet older than its RPO when the cycle began (so never at risk) records
 * its new point without it — one such device left a 200-device run waiting for the 200th event
 * until its time ran out (twice, with every point recorded).
 */
import type { LogHandler } from '../src/local/httpHost';

export class RecordedPoints {
  private readonly devices = new Set<string>();
  private expected = Number.POSITIVE_INFINITY;
  firstAt: number | undefined;
  allAt: number | undefined;

  /** Wraps the queue host's log handler: every line still goes to `next`. */
  handler(next: LogHandler): LogHandler {
    return (level, functionName, message) => {
      next(level, functionName, message);
      const recorded = /^Restore point (.+)@\S+ \(attempt \d+\): recorded$/.exec(message);
      if (!recorded) return;
      const at = performance.now();
      this.devices.add(recorded[1]!);
      this.firstAt ??= at;
      if (this.devices.size >= this.expected) this.allAt ??= at;
    };
  }

  has(deviceId: string): boolean {
    return this.devices.has(deviceId);
  }

  get count(): number {
    return this.devices.size;
  }

  reset(expected: number): void {
    this.devices.clear();
    this.expected = expected;
    this.firstAt = undefined;
    this.allAt = undefined;
  }
}
