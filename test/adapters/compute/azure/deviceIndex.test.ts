/**
 * A resource group's listing indexed by device: one device's resources are found from the index,
 * without reading the rest of the group (what every ensure before its VM, every read and every
 * deletion of one device did by scanning all the group's disks).
 */
import type { Disk, VirtualMachine } from '@azure/arm-compute';
import type { NetworkInterface } from '@azure/arm-network';
import { describe, expect, it } from 'vitest';
import {
  addToDeviceIndex,
  indexByDevice,
  resourcesOfDevice,
} from '../../../../src/adapters/compute/azure/deviceIndex';
import { listedDevice, listedDevices } from '../../../../src/adapters/compute/azure/listedDevices';
import type { GroupResources } from '../../../../src/adapters/compute/azure/ResourceGroupView';
import { temporaryDeviceTags } from '../../../../src/adapters/compute/azure/temporaryDeviceResources';

const region = 'westus';
const scope = '/subscriptions/s/resourceGroups/rg';
const now = new Date('2026-01-01T00:00:00Z');
const tags = (device: string) =>
  temporaryDeviceTags(device, { tenantId: 't', activationId: 'a', deviceId: device });

/** A map whose contents can no longer be walked once `seal()` is called: only `get` answers. */
class SealableMap<V> extends Map<string, V> {
  private sealed = false;
  seal(): void {
    this.sealed = true;
  }
  private walked(): never {
    throw new Error('the listing was walked');
  }
  override values(): MapIterator<V> {
    return this.sealed ? this.walked() : super.values();
  }
  override keys(): MapIterator<string> {
    return this.sealed ? this.walked() : super.keys();
  }
  override entries(): MapIterator<[string, V]> {
    return this.sealed ? this.walked() : super.entries();
  }
  override [Symbol.iterator](): MapIterator<[string, V]> {
    return this.sealed ? this.walked() : super[Symbol.iterator]();
  }
  override forEach(...args: Parameters<Map<string, V>['forEach']>): void {
    return this.sealed ? this.walked() : super.forEach(...args);
  }
}

/** A group of `count` devices, each with a disk in zone 1 (and device 0 a second in zone 2), a NIC, and every third a VM. */
function group(count: number) {
  const vms = new SealableMap<VirtualMachine>();
  const disks = new SealableMap<Disk>();
  const nics = new SealableMap<NetworkInterface>();
  // An untagged disk is no device's.
  disks.set('other-disk', { name: 'other-disk', location: region });
  for (let i = 0; i < count; i++) {
    const name = `Dev-${i}`;
    const disk = (zone: string): Disk => ({
      name: `${name}-os-z${zone}`,
      location: region,
      tags: tags(name),
      provisioningState: 'Succeeded',
    });
    disks.set(`${name}-os-z1`.toLowerCase(), disk('1'));
    if (i === 0) disks.set(`${name}-os-z2`.toLowerCase(), disk('2'));
    nics.set(`${name}-nic`.toLowerCase(), { name: `${name}-nic`, location: region, tags: tags(name) });
    if (i % 3 === 0)
      vms.set(name.toLowerCase(), {
        name,
        location: region,
        tags: tags(name),
        provisioningState: 'Creating',
      });
  }
  const listing = { vms, disks, nics };
  const resources: GroupResources = { ...listing, withInstanceView: true, byDevice: indexByDevice(listing) };
  const seal = () => [vms, disks, nics].forEach((map) => map.seal());
  return { resources, seal, disks };
}

describe('resourcesOfDevice', () => {
  it('answers from the index alone, without walking the listing', () => {
    const { resources, seal } = group(1_000);
    // Everything a scan would need has been read once, by the index; from here only lookups work.
    seal();
    expect(resourcesOfDevice(resources, 'disks', 'dev-0').map((d) => d.name)).toEqual([
      'Dev-0-os-z1',
      'Dev-0-os-z2',
    ]);
    expect(resourcesOfDevice(resources, 'disks', 'DEV-999').map((d) => d.name)).toEqual(['Dev-999-os-z1']);
    expect(resourcesOfDevice(resources, 'vms', 'Dev-3').map((v) => v.name)).toEqual(['Dev-3']);
    expect(resourcesOfDevice(resources, 'vms', 'Dev-4')).toEqual([]);
    expect(resourcesOfDevice(resources, 'nics', 'Dev-4').map((n) => n.name)).toEqual(['Dev-4-nic']);
    expect(resourcesOfDevice(resources, 'disks', 'no-such-device')).toEqual([]);
  });

  it('gives what a scan of the whole listing for the tag gives, for every device', () => {
    const { resources } = group(50);
    const scan = (device: string) =>
      [...resources.disks.values()].filter(
        (d) => d.tags?.['dr-temporary-device']?.toLowerCase() === device.toLowerCase(),
      );
    for (let i = 0; i < 50; i++)
      expect(resourcesOfDevice(resources, 'disks', `dev-${i}`)).toEqual(scan(`dev-${i}`));
  });

  it('reads a resource written through after the listing: a new disk, and one marked Deleting', () => {
    const { resources, seal, disks } = group(10);
    seal();
    // What the view's `upsert` does: the map, then the index.
    const made: Disk = {
      name: 'Dev-4-os-z2',
      location: region,
      tags: tags('Dev-4'),
      provisioningState: 'Updating',
    };
    disks.set('dev-4-os-z2', made);
    addToDeviceIndex(resources.byDevice, 'disks', made);
    // What `markDeleting` does: the same name, a new object.
    disks.set('dev-4-os-z1', { ...disks.get('dev-4-os-z1')!, provisioningState: 'Deleting' });
    expect(resourcesOfDevice(resources, 'disks', 'Dev-4').map((d) => [d.name, d.provisioningState])).toEqual([
      ['Dev-4-os-z1', 'Deleting'],
      ['Dev-4-os-z2', 'Updating'],
    ]);
  });
});

describe('listedDevice', () => {
  it('shows one device as listedDevices does, from the index alone', () => {
    const { resources, seal } = group(30);
    const all = listedDevices(resources, region, scope, now);
    seal();
    for (const name of ['Dev-0', 'dev-1', 'DEV-29'])
      expect(listedDevice(resources, name, region, scope, now)).toEqual(all.get(name.toLowerCase()));
    expect(listedDevice(resources, 'Dev-3', region, scope, now)?.status).toEqual({
      state: 'provisioning',
      scope,
    });
    expect(listedDevice(resources, 'Dev-3', 'eastus', scope, now)).toBeUndefined();
    expect(listedDevice(resources, 'no-such-device', region, scope, now)).toBeUndefined();
  });
});
