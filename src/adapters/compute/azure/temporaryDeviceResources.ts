/**
 * What the Azure provider makes for one temporary device, named from its request's name alone (so
 * retries, duplicate deliveries and both control-plane regions address the same resources) and
 * tagged with its recovery task (so the sweeper finds every piece, even one made before a crash).
 */
import type { TemporaryDeviceTags } from '../../../ports/ComputeProvider';

export const temporaryDeviceTag = 'dr-temporary-device';
const tenantTag = 'dr-tenant';
const activationTag = 'dr-activation';
const deviceTag = 'dr-device';
/** On a disk: the zones tried before this disk's own in the current capacity round (`1,2`). */
export const zonesTriedTag = 'dr-zones-tried';

/** The managed Run Command that re-registers the guest with the DR host pool. */
export const registrationRunCommandName = 'dr-register';

export const vmName = (name: string): string => name;

/**
 * Whether a VM name has the form of a temporary device's (`temporaryDeviceName` in
 * domain/recoveryTask: `tmp-…`, or `tmh-…` when hashed to fit), so the sweeper can tell the
 * provider's VMs from others in the same resource group once their tags are gone with them.
 */
export const isTemporaryDeviceVmName = (name: string): boolean => /^tm[ph]-/i.test(name);
export const nicName = (name: string): string => `${name}-nic`;

/** The id the device's VM has (or will have) in resource group `scope`. */
export const vmIdIn = (scope: string, name: string): string =>
  `${scope}/providers/Microsoft.Compute/virtualMachines/${vmName(name)}`;

/**
 * The OS disk of the device in `zone`. A zonal disk attaches only to a VM in its zone, so a device
 * moved to another zone gets a new disk; naming each zone's disk apart lets the new one be made
 * while the old one is still being deleted, and lets the new disk carry the round's memory (the
 * zones already tried) in its tags, where every process can read it.
 */
export function diskName(name: string, zone: string | undefined): string {
  return zone ? `${name}-os-z${zone}` : `${name}-os`;
}

export function temporaryDeviceTags(name: string, tags: TemporaryDeviceTags): Record<string, string> {
  return {
    [temporaryDeviceTag]: name,
    [tenantTag]: tags.tenantId,
    [activationTag]: tags.activationId,
    [deviceTag]: tags.deviceId,
  };
}

/** The device a resource belongs to, from its tags; undefined for anything else. */
export function deviceOf(
  tags: Record<string, string> | undefined,
): { name: string; tags: TemporaryDeviceTags } | undefined {
  const name = tags?.[temporaryDeviceTag];
  if (!tags || !name) return undefined;
  return {
    name,
    tags: {
      tenantId: tags[tenantTag] ?? '',
      activationId: tags[activationTag] ?? '',
      deviceId: tags[deviceTag] ?? '',
    },
  };
}

/** The zones a disk's tags say were tried before it. */
export function zonesTried(tags: Record<string, string> | undefined): string[] {
  const value = tags?.[zonesTriedTag];
  return value ? value.split(',').filter((zone) => zone !== '') : [];
}
