import { createHttpHeaders } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { armBucketOf } from '../../../../src/adapters/arm/pacing/armCall';
import { remainingHeader } from '../../../../src/adapters/arm/pacing/armLimits';
import { retryAfterInMs } from '../../../../src/adapters/arm/pacing/retryAfter';

describe('armBucketOf', () => {
  const disk =
    '/subscriptions/AAAAAAAA-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Compute/disks/d1';

  it('names the subscription (lower case) and the kind by method', () => {
    const url = `https://management.azure.com${disk}?api-version=2024-03-02`;
    expect(armBucketOf('GET', url)).toEqual({
      scope: 'subscription',
      subscriptionId: 'aaaaaaaa-0000-0000-0000-000000000001',
      kind: 'read',
    });
    expect(armBucketOf('head', url).kind).toBe('read');
    expect(armBucketOf('PUT', url).kind).toBe('write');
    expect(armBucketOf('PATCH', url).kind).toBe('write');
    expect(armBucketOf('POST', `${url}/beginGetAccess`).kind).toBe('write');
    expect(armBucketOf('DELETE', url).kind).toBe('delete');
  });

  it('puts calls outside any subscription in the tenant bucket, and reads the header of its scope', () => {
    const key = armBucketOf('GET', 'https://management.azure.com/tenants?api-version=2022-01-01');
    expect(key).toEqual({ scope: 'tenant', subscriptionId: 'tenant', kind: 'read' });
    expect(remainingHeader(key.scope, key.kind)).toBe('x-ms-ratelimit-remaining-tenant-reads');
    expect(remainingHeader('subscription', 'delete')).toBe('x-ms-ratelimit-remaining-subscription-deletes');
  });
});

describe('retryAfterInMs', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');
  it('reads milliseconds headers first, then seconds, then an HTTP date', () => {
    expect(retryAfterInMs(createHttpHeaders({ 'retry-after-ms': '250', 'Retry-After': '9' }), now)).toBe(250);
    expect(retryAfterInMs(createHttpHeaders({ 'x-ms-retry-after-ms': '0' }), now)).toBe(0);
    expect(retryAfterInMs(createHttpHeaders({ 'Retry-After': '17' }), now)).toBe(17_000);
    expect(retryAfterInMs(createHttpHeaders({ 'Retry-After': 'Mon, 07 Dec 2026 12:00:30 GMT' }), now)).toBe(
      30_000,
    );
  });
  it('is undefined when there is none or it cannot be read', () => {
    expect(retryAfterInMs(createHttpHeaders(), now)).toBeUndefined();
    expect(retryAfterInMs(createHttpHeaders({ 'Retry-After': 'soon' }), now)).toBeUndefined();
  });
});
