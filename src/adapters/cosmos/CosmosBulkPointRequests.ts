/**
 * Requests for manual points of a whole policy, recorded by idempotency key in the tenant's
 * partition of the devices container (beside the device documents of ./deviceDocument): one
 * document a key, `bulkPoints:{key}`, whose `:` no device id can hold. Every query of that
 * container filters on `type`, so these documents are invisible to the device store.
 *
 * The container has no time to live switched on (./containers), so records are not expired by
 * Cosmos DB: the use case forgets old ones itself (`forgetRecordedBefore`) when it records a new key.
 */
import type { Container } from '@azure/cosmos';
import type { BulkPointRequest, BulkPointRequests } from '../../ports/BulkPointRequests';
import type { SystemFields } from './cosmosSystemFields';
import { statusOf } from './statusOf';

interface BulkPointRequestDocument extends BulkPointRequest, SystemFields {
  id: string;
  type: 'bulkPointRequest';
  /** `takenAt` as a number, which the forgetting query compares: the request's time is its record's. */
  takenAtMs: number;
}

export class CosmosBulkPointRequests implements BulkPointRequests {
  /** `container` is the devices container: partitioned by tenant. */
  constructor(private readonly container: Container) {}

  async recordOnce(request: BulkPointRequest): Promise<{ recorded: BulkPointRequest; created: boolean }> {
    const id = documentId(request.idempotencyKey);
    // Twice at most: a record forgotten between the create's 409 and the read is created again.
    for (let round = 0; ; round += 1) {
      try {
        const document: BulkPointRequestDocument = {
          id,
          type: 'bulkPointRequest',
          tenantId: request.tenantId,
          idempotencyKey: request.idempotencyKey,
          policyId: request.policyId,
          takenAt: request.takenAt,
          takenAtMs: Date.parse(request.takenAt),
        };
        await this.container.items.create(document);
        return { recorded: { ...request }, created: true };
      } catch (err) {
        if (statusOf(err) !== 409) throw err;
      }
      const { resource } = await this.container.item(id, request.tenantId).read<BulkPointRequestDocument>();
      if (resource?.type === 'bulkPointRequest') return { recorded: toRequest(resource), created: false };
      if (round > 0)
        throw new Error(
          `Bulk point request ${id} of tenant ${request.tenantId} could not be recorded or read`,
        );
    }
  }

  async forgetRecordedBefore(tenantId: string, before: Date, limit: number): Promise<number> {
    const { resources } = await this.container.items
      .query<{ id: string }>(
        {
          query: `SELECT TOP ${Math.max(1, Math.floor(limit))} c.id FROM c WHERE c.tenantId = @tenant AND c.type = 'bulkPointRequest' AND c.takenAtMs < @before`,
          parameters: [
            { name: '@tenant', value: tenantId },
            { name: '@before', value: before.getTime() },
          ],
        },
        { partitionKey: tenantId },
      )
      .fetchAll();
    await Promise.all(
      resources.map(async ({ id }) => {
        try {
          await this.container.item(id, tenantId).delete();
        } catch (err) {
          // Another request forgot it first.
          if (statusOf(err) !== 404) throw err;
        }
      }),
    );
    return resources.length;
  }
}

function documentId(idempotencyKey: string): string {
  return `bulkPoints:${idempotencyKey}`;
}

function toRequest(document: BulkPointRequestDocument): BulkPointRequest {
  return {
    tenantId: document.tenantId,
    idempotencyKey: document.idempotencyKey,
    policyId: document.policyId,
    takenAt: document.takenAt,
  };
}
