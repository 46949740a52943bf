/**
 * A read-only SAS URL for one blob snapshot, so that another account (the backup region's) can copy
 * from it server-side: signed with the account key for a connection-string client (Azurite), with a
 * user delegation key for an identity (Azure, where shared keys are disabled).
 */
import {
  BlobSASPermissions,
  SASProtocol,
  StorageSharedKeyCredential,
  type BlobServiceClient,
  type UserDelegationKey,
} from '@azure/storage-blob';

export interface SnapshotLocation {
  container: string;
  blob: string;
  snapshotId: string;
}

export interface SnapshotReadUrlOptions {
  /** How long the URL stays valid; at most the delegation key's remaining life. */
  lifetimeInMs?: number;
  /** Injected clock, for tests. */
  now?: () => Date;
}

const hourMs = 3_600_000;

/** A read URL's options: `validForMinutes` when given, else the store's defaults (24 hours unless configured). */
export function readUrlOptions(
  defaults: SnapshotReadUrlOptions | undefined,
  validForMinutes: number | undefined,
): SnapshotReadUrlOptions {
  if (validForMinutes === undefined) return defaults ?? {};
  if (!(Number.isFinite(validForMinutes) && validForMinutes > 0)) {
    throw new RangeError(`validForMinutes must be a positive number, got ${validForMinutes}`);
  }
  return { ...defaults, lifetimeInMs: Math.round(validForMinutes * 60_000) };
}

/**
 * 24 hours. An asynchronous Copy Blob keeps reading its source with this URL until it finishes,
 * and a cross-region copy of a large disk is best effort with no completion bound; an expired SAS
 * fails the copy. A day covers any copy that has not already broken the RPO many times over, and
 * keeps the window in which a leaked URL can read a disk image short.
 */
export const snapshotReadUrlLifetimeInMs = 24 * hourMs;

/** Signed a few minutes in the past, so a clock behind the service's still accepts the URL at once. */
const clockSkewMs = 5 * 60_000;

/**
 * Delegation keys are requested for 6 days (the service allows at most 7 from now) and renewed
 * once less than a URL's lifetime plus an hour remains, so a URL signed with a cached key never
 * outlives its key; the key request is one call per account every few days, not one per copy.
 */
const delegationKeyLifetimeMs = 6 * 24 * hourMs;
const delegationKeyRenewMarginMs = hourMs;

interface CachedKey {
  key: UserDelegationKey;
  expiresOn: Date;
}

/** Per service client, since a key belongs to one account and one identity. */
const delegationKeys = new WeakMap<BlobServiceClient, Promise<CachedKey>>();

export async function snapshotReadUrl(
  service: BlobServiceClient,
  snapshot: SnapshotLocation,
  options: SnapshotReadUrlOptions = {},
): Promise<string> {
  if (!snapshot.snapshotId) throw new TypeError('A snapshot read URL needs a snapshot id');
  const lifetimeInMs = options.lifetimeInMs ?? snapshotReadUrlLifetimeInMs;
  if (!(lifetimeInMs > 0 && lifetimeInMs <= delegationKeyLifetimeMs - delegationKeyRenewMarginMs)) {
    throw new RangeError(
      `lifetimeInMs must be positive and below ${delegationKeyLifetimeMs - delegationKeyRenewMarginMs} ms`,
    );
  }
  const now = options.now?.() ?? new Date();
  const blob = service
    .getContainerClient(snapshot.container)
    .getBlobClient(snapshot.blob)
    .withSnapshot(snapshot.snapshotId);
  const sas = {
    permissions: BlobSASPermissions.parse('r'),
    startsOn: new Date(now.getTime() - clockSkewMs),
    expiresOn: new Date(now.getTime() + lifetimeInMs),
    // Never let a disk image travel in clear text when the account is reached over HTTPS.
    ...(blob.url.startsWith('https:') ? { protocol: SASProtocol.Https } : {}),
  };

  const credential = service.credential;
  if (credential instanceof StorageSharedKeyCredential) return await blob.generateSasUrl(sas);
  if (!isTokenCredential(credential)) {
    throw new TypeError(
      'A snapshot read URL needs a client with an account key or an identity, not an anonymous or SAS client',
    );
  }
  const key = await delegationKey(service, now, lifetimeInMs);
  return await blob.generateUserDelegationSasUrl(sas, key);
}

async function delegationKey(
  service: BlobServiceClient,
  now: Date,
  lifetimeInMs: number,
): Promise<UserDelegationKey> {
  const neededUntil = now.getTime() + lifetimeInMs + delegationKeyRenewMarginMs;
  const cached = delegationKeys.get(service);
  if (cached) {
    const current = await cached.catch(() => undefined);
    if (current && current.expiresOn.getTime() >= neededUntil) return current.key;
  }
  const request = (async (): Promise<CachedKey> => {
    const expiresOn = new Date(now.getTime() + delegationKeyLifetimeMs);
    const key = await service.getUserDelegationKey(new Date(now.getTime() - clockSkewMs), expiresOn);
    return { key, expiresOn: key.signedExpiresOn ?? expiresOn };
  })();
  delegationKeys.set(service, request);
  // A failed request must not stay cached: the next call asks again.
  request.catch(() => {
    if (delegationKeys.get(service) === request) delegationKeys.delete(service);
  });
  return (await request).key;
}

function isTokenCredential(credential: unknown): boolean {
  return typeof (credential as { getToken?: unknown } | null)?.getToken === 'function';
}
