/**
 * ResourceGroupView against the ARM double: one listing indexed by device, and what this process
 * writes through (a started disk, a started deletion) reaching the index without a new listing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComputeClients } from '../../../../src/adapters/arm/createComputeClient';
import { resourcesOfDevice } from '../../../../src/adapters/compute/azure/deviceIndex';
import { NetworkClients } from '../../../../src/adapters/compute/azure/networkClients';
import { ResourceGroupView } from '../../../../src/adapters/compute/azure/ResourceGroupView';
import { temporaryDeviceTags } from '../../../../src/adapters/compute/azure/temporaryDeviceResources';
import { computeClient } from '../../../support/arm/armTestClient';
import { backupGroup, recordingPolicy, region, scope, startHarness, sub, type Harness } from './azureHarness';

describe('ResourceGroupView', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => await h?.close());

  const tags = (device: string) =>
    temporaryDeviceTags(device, { tenantId: 't', activationId: 'a', deviceId: device });

  it('indexes a listing by device, and reads what this process wrote through from the index', async () => {
    const client = computeClient(h.double, sub);
    for (const [name, device, zone] of [
      ['ix-a-os-z1', 'ix-a', '1'],
      ['ix-a-os-z2', 'ix-a', '2'],
      ['ix-b-os-z1', 'ix-b', '1'],
    ] as const)
      await client.disks
        .createOrUpdate(backupGroup, name, {
          location: region,
          zones: [zone],
          sku: { name: 'Premium_LRS' },
          creationData: { createOption: 'Copy', sourceResourceId: h.snapshotId },
          tags: tags(device),
        })
        .submitted();
    h.double.advance(60_000);

    const recorder = recordingPolicy();
    const options = {
      credential: h.double.credential,
      ...h.double.clientOptions(),
      maxRetries: 0,
      additionalPolicies: [recorder.policy],
    };
    // A listing kept 10 s of the double's clock, which moves only when the test moves it.
    const view = new ResourceGroupView(
      new ComputeClients(options),
      new NetworkClients(options),
      h.clock,
      10_000,
    );
    const names = async (device: string) =>
      resourcesOfDevice(await view.get(sub, backupGroup), 'disks', device).map((d) => [
        d.name,
        d.provisioningState,
      ]);

    expect(await names('IX-A')).toEqual([
      ['ix-a-os-z1', 'Succeeded'],
      ['ix-a-os-z2', 'Succeeded'],
    ]);
    expect(await names('ix-b')).toEqual([['ix-b-os-z1', 'Succeeded']]);
    expect(await names('ix-c')).toEqual([]);

    await view.upsert(sub, backupGroup, 'disks', {
      name: 'ix-c-os-z3',
      id: `${scope}/providers/Microsoft.Compute/disks/ix-c-os-z3`,
      location: region,
      tags: tags('ix-c'),
      provisioningState: 'Updating',
    });
    await view.markDeleting(sub, backupGroup, 'disks', 'ix-a-os-z1');
    expect(await names('ix-c')).toEqual([['ix-c-os-z3', 'Updating']]);
    expect(await names('ix-a')).toEqual([
      ['ix-a-os-z1', 'Deleting'],
      ['ix-a-os-z2', 'Succeeded'],
    ]);
    // All of it from one listing of the disks.
    expect(recorder.calls.filter((c) => c === `GET ${scope}/providers/Microsoft.Compute/disks`)).toHaveLength(
      1,
    );
  });
});
