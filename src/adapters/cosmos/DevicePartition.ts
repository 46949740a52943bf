/**
 * A tenant's partition of the devices container, as the device store's parts share it: reading a
 * device, and creating once the helper documents (licence counter, histogram shards) that batches
 * then patch beside the device. See ./deviceDocument for what the partition holds.
 */
import type { Container } from '@azure/cosmos';
import { BoundedCache } from '../../domain/BoundedCache';
import type { Device } from '../../domain/device';
import { stableHash32 } from '../../domain/rpo';
import type { Clock } from '../../ports/Clock';
import { licenceCounterId, toDevice, type DeviceDocument, type HistogramDocument } from './deviceDocument';
import { statusOf } from './statusOf';

const shardsPerRegion = 4;

/** Helper documents remembered as existing, per process: bounded, as tenants × policies × shards is not. */
const ensuredEntries = 10_000;
/** A forgotten helper document costs one create that answers 409: cheap enough to forget hourly. */
const ensuredTtlInMs = 3_600_000;

export class DevicePartition {
  private readonly ensured = new BoundedCache<true>({ maxEntries: ensuredEntries, ttlInMs: ensuredTtlInMs });

  constructor(
    readonly container: Container,
    /** The control-plane region this process writes from: it owns that region's histogram shards. */
    readonly region: string,
    readonly clock: Clock,
  ) {}

  async get(tenantId: string, id: string): Promise<Device | undefined> {
    const { resource } = await this.container.item(id, tenantId).read<DeviceDocument>();
    return resource?.type === 'device' ? toDevice(resource) : undefined;
  }

  /** The id of this region's histogram shard that counts the device under the policy. */
  histogramId(policyId: string, deviceId: string): string {
    return `histogram:${policyId}:${this.region}:${stableHash32(deviceId) % shardsPerRegion}`;
  }

  /**
   * Creates this region's histogram shard if it is missing. A shard is created due for compaction
   * at once (`compactAtMs` 0): the compactor's first look sets its real time. One found without
   * `compactAtMs` (written before the field existed) is made due the same way: the backfill of
   * that field, for every shard this region still writes.
   */
  async ensureHistogram(tenantId: string, policyId: string, id: string): Promise<void> {
    const body: Omit<HistogramDocument, 'id' | 'tenantId'> = {
      type: 'histogram',
      policyId,
      region: this.region,
      buckets: {},
      compactAtMs: 0,
    };
    await this.ensure(tenantId, id, body, async () => {
      try {
        await this.container.item(id, tenantId).patch({
          operations: [{ op: 'set', path: '/compactAtMs', value: 0 }],
          condition: 'from c where NOT IS_DEFINED(c.compactAtMs)',
        });
      } catch (err) {
        if (statusOf(err) !== 412) throw err;
      }
    });
  }

  async ensureLicences(tenantId: string): Promise<void> {
    await this.ensure(tenantId, licenceCounterId, { type: 'licences', used: 0 });
  }

  async licencesExhausted(tenantId: string, licences: number): Promise<boolean> {
    const { resource } = await this.container.item(licenceCounterId, tenantId).read<{ used: number }>();
    return (resource?.used ?? 0) >= licences;
  }

  /** Creates a helper document once; a concurrent creator winning is as good. */
  private async ensure(
    tenantId: string,
    id: string,
    body: Record<string, unknown>,
    existed?: () => Promise<void>,
  ): Promise<void> {
    const key = `${tenantId}/${id}`;
    const nowMs = this.clock.now().getTime();
    if (this.ensured.get(key, nowMs)) return;
    try {
      await this.container.items.create({ id, tenantId, ...body });
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
      await existed?.();
    }
    this.ensured.set(key, true, nowMs);
  }
}
