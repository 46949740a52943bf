/**
 * What a request for manual points of every device of a policy recorded under its idempotency key:
 * its slot, so that a retry with the key takes the very same points instead of a second set.
 */
export interface BulkPointRequest {
  tenantId: string;
  idempotencyKey: string;
  policyId: string;
  /** The request time of every point it queues (whole seconds): it fixes their names. */
  takenAt: string;
}

export interface BulkPointRequests {
  /**
   * Records the request unless its key is already recorded for the tenant, and answers what is
   * recorded under the key: this request (`created`) or the first one, whose policy may differ.
   * Concurrent first requests with one key record one of them.
   */
  recordOnce(request: BulkPointRequest): Promise<{ recorded: BulkPointRequest; created: boolean }>;

  /** Forgets up to `limit` of the tenant's records whose `takenAt` is before `before`; answers how many. */
  forgetRecordedBefore(tenantId: string, before: Date, limit: number): Promise<number>;
}
