/**
 * Which directory each subscription is in, from the tenants' disk-scope claims (one document,
 * `TenantStore.diskScopeClaims`), kept in memory: a credential asks it each time ARM's pipeline
 * renews its token, and that must not cost a Cosmos DB read, let alone an ARM call.
 */
import { subscriptionDirectories } from '../../domain/azureDirectory';
import type { DiskScopeClaim } from '../../domain/diskScope';

export interface SubscriptionDirectoriesOptions {
  /** How long a read of the claims stands before the next question reads them again. */
  refreshAfterInMs?: number;
  /**
   * How old a read may be when a subscription is not in it (a tenant created a moment ago,
   * perhaps in the other control-plane region) before the claims are read again at once.
   */
  missRefreshAfterInMs?: number;
  now?: () => number;
}

interface Snapshot {
  directories: Map<string, string>;
  readAt: number;
}

export class SubscriptionDirectories {
  private snapshot: Snapshot | undefined;
  private reading: Promise<Snapshot> | undefined;
  private readonly refreshAfterInMs: number;
  private readonly missRefreshAfterInMs: number;
  private readonly now: () => number;

  constructor(
    private readonly claims: () => Promise<DiskScopeClaim[]>,
    options: SubscriptionDirectoriesOptions = {},
  ) {
    this.refreshAfterInMs = options.refreshAfterInMs ?? 60_000;
    this.missRefreshAfterInMs = options.missRefreshAfterInMs ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  /** The directory (lower case) of the subscription; undefined for the deployment's own. */
  async directoryOf(subscriptionId: string): Promise<string | undefined> {
    const key = subscriptionId.toLowerCase();
    let snapshot = this.snapshot;
    if (!snapshot || this.now() - snapshot.readAt >= this.refreshAfterInMs) snapshot = await this.read();
    else if (!snapshot.directories.has(key) && this.now() - snapshot.readAt >= this.missRefreshAfterInMs)
      snapshot = await this.read();
    return snapshot.directories.get(key);
  }

  /**
   * One read at a time, shared by every question asked meanwhile. A failed read keeps the last
   * good one (stamped now, so the claims are not read again on every call while the store is
   * down); with none, the failure is the caller's: no principal can be chosen without it.
   */
  private async read(): Promise<Snapshot> {
    // `finally` runs after the assignment, even when the read fails at once.
    this.reading ??= this.load().finally(() => {
      this.reading = undefined;
    });
    return await this.reading;
  }

  private async load(): Promise<Snapshot> {
    try {
      const snapshot = { directories: subscriptionDirectories(await this.claims()), readAt: this.now() };
      this.snapshot = snapshot;
      return snapshot;
    } catch (err) {
      if (!this.snapshot) throw err;
      this.snapshot = { ...this.snapshot, readAt: this.now() };
      return this.snapshot;
    }
  }
}
