/**
 * Disk-scope claims against the real Cosmos emulator, where the HTTP tests cannot reach: what
 * happens when another region's claim wins by last-writer-wins between a change's two writes.
 */
import type { CosmosClient } from '@azure/cosmos';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Containers } from '../../src/adapters/cosmos/containers';
import { CosmosTenantStore } from '../../src/adapters/cosmos/CosmosTenantStore';
import { TenantService } from '../../src/app/TenantService';
import type { DiskScope, DiskScopeClaim } from '../../src/domain/diskScope';
import { ConflictError } from '../../src/domain/errors';
import { systemClock } from '../../src/ports/Clock';
import { openCosmosTestDatabase } from '../support/cosmosTestDatabase';

const scope: DiskScope = { kind: 'pageBlob', region: 'westeurope', container: 'disks', prefix: 'raced' };

/**
 * The real store, but before its second change of the claims another region's claim of the same
 * place lands, and being written last it replaces the whole document, this tenant's claim with it.
 */
class StoreLosingARace extends CosmosTenantStore {
  private changes = 0;
  override async updateDiskScopeClaims(
    update: (claims: DiskScopeClaim[]) => DiskScopeClaim[],
  ): Promise<void> {
    this.changes += 1;
    if (this.changes === 2)
      await super.updateDiskScopeClaims(() => [{ tenantId: 'elsewhere', scopes: [scope] }]);
    await super.updateDiskScopeClaims(update);
  }
}

describe('TenantService.putEntitlement', () => {
  let client: CosmosClient;
  let store: StoreLosingARace;
  let service: TenantService;

  beforeAll(async () => {
    const opened = await openCosmosTestDatabase('tenants');
    client = opened.client;
    store = new StoreLosingARace(opened.database.container(Containers.tenants.id));
    service = new TenantService(store, {
      knownRegions: new Set(['westeurope', 'northeurope']),
      taskHub: 'hub',
      clock: systemClock,
    });
  });
  afterAll(() => client.dispose());

  it('gives the scopes back and answers 409 when another region claimed them meanwhile', async () => {
    const id = randomUUID();
    const attempt = service.putEntitlement(id, {
      name: 'Contoso',
      licences: 1,
      allowedBackupRegions: ['northeurope'],
      diskScopes: [scope],
    });
    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    await expect(attempt).rejects.toMatchObject({ code: 'disk-scope-overlap' });
    // The tenant was written between the two claims; it no longer holds the contested place.
    expect((await store.get(id))?.diskScopes).toEqual([]);
  });
});
