import { BlobClient, BlobServiceClient, type UserDelegationKey } from '@azure/storage-blob';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { snapshotReadUrl, snapshotReadUrlLifetimeInMs } from '../../../src/adapters/blob/snapshotReadUrl';
import {
  azuriteRegionClients,
  backup,
  createDisk,
  patternBytes,
  primary,
  snapshotOf,
} from './azuriteRegions';

describe('snapshotReadUrl', () => {
  let clients: Map<string, BlobServiceClient>;
  beforeAll(() => {
    clients = azuriteRegionClients();
  });

  it('signs with the account key: the URL reads that snapshot, for 24 hours, and nothing else', async () => {
    const content = patternBytes('sas', 8192);
    const disk = await createDisk(clients, 64 * 1024, [{ offset: 0, bytes: content }]);
    const snapshot = await snapshotOf(disk);
    await disk.blob.uploadPages(patternBytes('later', 8192), 0, 8192);

    const now = new Date();
    const url = await snapshotReadUrl(
      clients.get(primary)!,
      { container: disk.ref.container, blob: disk.ref.blob, snapshotId: snapshot.snapshotId },
      { now: () => now },
    );
    const params = new URL(url).searchParams;
    expect(params.get('snapshot')).toBe(snapshot.snapshotId);
    expect(params.get('sp')).toBe('r');
    expect(params.get('sr')).toBe('bs');
    expect(Date.parse(params.get('se')!)).toBe(
      Math.floor((now.getTime() + snapshotReadUrlLifetimeInMs) / 1000) * 1000,
    );

    // Anonymous: the URL alone is the authorisation.
    const anonymous = new BlobClient(url);
    expect((await anonymous.downloadToBuffer(0, 8192)).equals(content)).toBe(true);
    await expect(anonymous.delete()).rejects.toMatchObject({ statusCode: 403 });
  });

  it('lets the other region’s account copy the snapshot server-side', async () => {
    const content = patternBytes('cross', 4096);
    const disk = await createDisk(clients, 64 * 1024, [{ offset: 4096, bytes: content }]);
    const snapshot = await snapshotOf(disk);
    const url = await snapshotReadUrl(clients.get(primary)!, {
      container: disk.ref.container,
      blob: disk.ref.blob,
      snapshotId: snapshot.snapshotId,
    });
    const container = clients.get(backup)!.getContainerClient('sas-tests');
    await container.createIfNotExists();
    const copy = container.getPageBlobClient(disk.ref.blob);
    await (await copy.beginCopyFromURL(url)).pollUntilDone();
    expect((await copy.downloadToBuffer(4096, 4096)).equals(content)).toBe(true);
  });

  it('refuses a client that has neither an account key nor an identity', async () => {
    const anonymous = new BlobServiceClient('http://127.0.0.1:1/account');
    await expect(
      snapshotReadUrl(anonymous, { container: 'c', blob: 'b', snapshotId: 's' }),
    ).rejects.toBeInstanceOf(TypeError);
  });

  // Offline only: the key request is stubbed, since Azurite cannot issue user delegation keys. What
  // this proves is the caching and the URL's shape, not that Azure accepts it.
  it('with an identity, signs with a user delegation key that is cached and renewed before it runs out', async () => {
    const credential = {
      getToken: async () => ({ token: 'unused', expiresOnTimestamp: Date.now() + 3_600_000 }),
    };
    const service = new BlobServiceClient('https://account.blob.core.windows.net', credential);
    const requests: Date[] = [];
    vi.spyOn(service, 'getUserDelegationKey').mockImplementation((async (startsOn: Date, expiresOn: Date) => {
      requests.push(expiresOn);
      const key: UserDelegationKey = {
        signedObjectId: '00000000-0000-0000-0000-000000000001',
        signedTenantId: '00000000-0000-0000-0000-000000000002',
        signedStartsOn: startsOn,
        signedExpiresOn: expiresOn,
        signedService: 'b',
        signedVersion: '2025-01-05',
        value: Buffer.from('delegation-key').toString('base64'),
      };
      return key;
    }) as never);

    const start = Date.parse('2030-01-01T00:00:00Z');
    const at = (hours: number) => ({ now: () => new Date(start + hours * 3_600_000) });
    const where = { container: 'disks', blob: 'pc.vhd', snapshotId: '2030-01-01T00:00:00.0000000Z' };
    const first = new URL(await snapshotReadUrl(service, where, at(0)));
    expect(first.protocol).toBe('https:');
    expect(first.searchParams.get('spr')).toBe('https');
    expect(first.searchParams.get('skoid')).toBe('00000000-0000-0000-0000-000000000001');
    expect(first.searchParams.get('sp')).toBe('r');

    await snapshotReadUrl(service, where, at(1));
    await snapshotReadUrl(service, where, at(100));
    expect(requests).toHaveLength(1);
    // Six days of key: at 5 days a 24-hour URL would outlive it, so a new key is fetched.
    const late = new URL(await snapshotReadUrl(service, where, at(5 * 24)));
    expect(requests).toHaveLength(2);
    expect(Date.parse(late.searchParams.get('se')!)).toBeLessThanOrEqual(
      Date.parse(late.searchParams.get('ske')!),
    );
  });
});
