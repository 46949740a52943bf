import type { AuditTrail } from './AuditTrail';
import { waitAtMost } from './waitAtMost';

/**
 * A driver step's audit record, waited for at most `waitInMs`. The driver's next step used to
 * wait on it: with the region's audit table not answering, each write spent its attempts and the
 * storage client's retries (about 18 s against a refused connection; against one that never
 * answers, every attempt's whole deadline) at the start of the activation, of every wave and of
 * its end — long enough to starve the lease and, on a busy machine, to leave an activation with
 * every device recovered short of `completed`. The write carries on, and if it never lands the
 * audit trail still puts the whole record in the event log (`audit.write-failed`).
 */
export async function recordStepAudit(
  audit: AuditTrail,
  waitInMs: number,
  ...record: Parameters<AuditTrail['system']>
): Promise<void> {
  await waitAtMost(audit.system(...record), waitInMs);
}
