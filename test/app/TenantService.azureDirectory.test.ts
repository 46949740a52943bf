/**
 * A tenant's Azure directory (`azureDirectoryId`) against the real Cosmos emulator: where it is
 * refused, and that the claims document, from which the ARM adapters choose each subscription's
 * principal, says the same as the tenant.
 */
import type { CosmosClient } from '@azure/cosmos';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Containers } from '../../src/adapters/cosmos/containers';
import { CosmosTenantStore } from '../../src/adapters/cosmos/CosmosTenantStore';
import { TenantService, type TenantEntitlement } from '../../src/app/TenantService';
import { subscriptionDirectories } from '../../src/domain/azureDirectory';
import { ConflictError, RuleViolationError } from '../../src/domain/errors';
import { systemClock } from '../../src/ports/Clock';
import { openCosmosTestDatabase } from '../support/cosmosTestDatabase';

const home = randomUUID();
const knownRegions = new Set(['westeurope', 'northeurope']);

function entitlement(subscription: string, group: string, azureDirectoryId?: string): TenantEntitlement {
  return {
    name: 'Contoso',
    licences: 10,
    allowedBackupRegions: ['northeurope'],
    diskScopes: [{ kind: 'managedDisk', armScope: `/subscriptions/${subscription}/resourceGroups/${group}` }],
    ...(azureDirectoryId ? { azureDirectoryId } : {}),
  };
}

describe('TenantService: azureDirectoryId', () => {
  let client: CosmosClient;
  let store: CosmosTenantStore;
  let service: TenantService;

  beforeAll(async () => {
    const opened = await openCosmosTestDatabase('tenant-directories');
    client = opened.client;
    store = new CosmosTenantStore(opened.database.container(Containers.tenants.id));
    service = new TenantService(store, {
      knownRegions,
      taskHub: 'hub',
      clock: systemClock,
      directories: { home, crossDirectoryApp: true },
    });
  });
  afterAll(() => client.dispose());

  async function directoryOfSubscription(subscription: string): Promise<string | undefined> {
    return subscriptionDirectories(await store.diskScopeClaims()).get(subscription);
  }

  it('keeps the directory, lower case, on the tenant and on its claim', async () => {
    const id = randomUUID();
    const subscription = randomUUID();
    const directory = randomUUID();
    const { tenant } = await service.putEntitlement(
      id,
      entitlement(subscription, 'rg', directory.toUpperCase()),
    );
    expect(tenant.azureDirectoryId).toBe(directory);
    expect((await store.get(id))?.azureDirectoryId).toBe(directory);
    expect(await directoryOfSubscription(subscription)).toBe(directory);
  });

  it("puts a tenant whose PUT leaves the directory out back in the deployment's own", async () => {
    const id = randomUUID();
    const subscription = randomUUID();
    await service.putEntitlement(id, entitlement(subscription, 'rg', randomUUID()));
    const { tenant } = await service.putEntitlement(id, entitlement(subscription, 'rg'));
    expect(tenant).not.toHaveProperty('azureDirectoryId');
    expect(await store.get(id)).not.toHaveProperty('azureDirectoryId');
    expect(await directoryOfSubscription(subscription)).toBeUndefined();
  });

  it("leaves the directory alone when the tenant's own admin changes its settings", async () => {
    const id = randomUUID();
    const directory = randomUUID();
    await service.putEntitlement(id, entitlement(randomUUID(), 'rg', directory));
    const tenant = await service.updateSettings(id, {
      name: 'Renamed',
      allowedBackupRegions: ['northeurope'],
    });
    expect(tenant.azureDirectoryId).toBe(directory);
  });

  it('refuses a second directory in a subscription, either way round, changing nothing (409)', async () => {
    const subscription = randomUUID();
    const first = randomUUID();
    await service.putEntitlement(first, entitlement(subscription, 'rg-first'));
    const claimsBefore = await store.diskScopeClaims();
    const second = randomUUID();
    const refused = service.putEntitlement(second, entitlement(subscription, 'rg-second', randomUUID()));
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    await expect(refused).rejects.toMatchObject({ code: 'directory-conflict' });
    await expect(refused).rejects.toThrow(/^body\.azureDirectoryId: /);
    expect(await store.get(second)).toBeUndefined();
    expect(await store.diskScopeClaims()).toEqual(claimsBefore);

    // A third tenant in the same subscription and directory is welcome; then the first may not
    // move to another directory while the third stays in this one.
    const third = randomUUID();
    await service.putEntitlement(third, entitlement(subscription, 'rg-third'));
    const moved = service.putEntitlement(first, entitlement(subscription, 'rg-first', randomUUID()));
    await expect(moved).rejects.toMatchObject({ code: 'directory-conflict' });
    expect((await store.get(first))?.azureDirectoryId).toBeUndefined();
    expect(await directoryOfSubscription(subscription)).toBeUndefined();
  });

  it('lets a tenant alone in its subscriptions move to another directory', async () => {
    const id = randomUUID();
    const subscription = randomUUID();
    await service.putEntitlement(id, entitlement(subscription, 'rg'));
    const directory = randomUUID();
    await service.putEntitlement(id, entitlement(subscription, 'rg', directory));
    expect(await directoryOfSubscription(subscription)).toBe(directory);
  });

  it("refuses the deployment's own directory by name (400 naming the field): it is the absent case", async () => {
    const id = randomUUID();
    const refused = service.putEntitlement(id, entitlement(randomUUID(), 'rg', home.toUpperCase()));
    await expect(refused).rejects.toBeInstanceOf(RuleViolationError);
    await expect(refused).rejects.toMatchObject({ code: 'own-directory', field: 'body.azureDirectoryId' });
    expect(await store.get(id)).toBeUndefined();
  });

  it('refuses any other directory where no multi-tenant app is configured (400 naming the field)', async () => {
    const without = new TenantService(store, {
      knownRegions,
      taskHub: 'hub',
      clock: systemClock,
      directories: { home, crossDirectoryApp: false },
    });
    const id = randomUUID();
    const claimsBefore = await store.diskScopeClaims();
    const refused = without.putEntitlement(id, entitlement(randomUUID(), 'rg', randomUUID()));
    await expect(refused).rejects.toMatchObject({
      code: 'cross-directory-app-missing',
      field: 'body.azureDirectoryId',
    });
    expect(await store.get(id)).toBeUndefined();
    expect(await store.diskScopeClaims()).toEqual(claimsBefore);
  });
});
