/**
 * Reading Compute's throttling reports and telling a VM PUT from other calls
 * (src/adapters/arm/pacing/computePolicies.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  limitsOfPolicy,
  policyReports,
  vmPutRegion,
  windowMinutesOf,
} from '../../../../src/adapters/arm/pacing/computePolicies';

const vm =
  'https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-1?api-version=2025-04-01';

describe('policyReports', () => {
  it('reads every policy of the header, one or several joined as Node joins repeated headers', () => {
    expect(policyReports('Microsoft.Compute/PutVM3Min;239,Microsoft.Compute/PutVM30Min;1199')).toEqual([
      { policy: 'Microsoft.Compute/PutVM3Min', remaining: 239 },
      { policy: 'Microsoft.Compute/PutVM30Min', remaining: 1199 },
    ]);
    expect(
      policyReports('Microsoft.Compute/HighCostGet;0, Microsoft.Compute/VmssQueuedVMOperations;4720'),
    ).toEqual([
      { policy: 'Microsoft.Compute/HighCostGet', remaining: 0 },
      { policy: 'Microsoft.Compute/VmssQueuedVMOperations', remaining: 4720 },
    ]);
    expect(policyReports(undefined)).toEqual([]);
    expect(policyReports('garbage')).toEqual([]);
  });
});

describe('vmPutRegion', () => {
  it("is the region of a VM PUT's body, and undefined for anything but a PUT of a VM itself", () => {
    expect(vmPutRegion('PUT', vm, JSON.stringify({ location: 'West Europe' }))).toBe('westeurope');
    expect(vmPutRegion('PUT', vm, '{}')).toBe('unknown');
    expect(vmPutRegion('PATCH', vm, '{}')).toBeUndefined();
    expect(vmPutRegion('GET', vm, undefined)).toBeUndefined();
    expect(
      vmPutRegion(
        'PUT',
        vm.replace('/vm-1?', '/vm-1/runCommands/register?'),
        JSON.stringify({ location: 'westeurope' }),
      ),
    ).toBeUndefined();
    expect(vmPutRegion('PUT', vm.replace('virtualMachines', 'disks'), '{}')).toBeUndefined();
  });
});

describe('limitsOfPolicy', () => {
  it('gives the documented PUT VM bucket, else learns one from the largest report over the window its name gives', () => {
    expect(limitsOfPolicy('Microsoft.Compute/PutVM3Min', {}, 0)).toEqual({
      capacity: 1_500,
      refillPerSecond: 500 / 60,
    });
    expect(windowMinutesOf('Microsoft.Compute/PutVM30Min')).toBe(30);
    expect(limitsOfPolicy('Microsoft.Compute/PutVM30Min', {}, 1_199)).toEqual({
      capacity: 1_199,
      refillPerSecond: 1_199 / 1_800,
    });
    expect(limitsOfPolicy('Microsoft.Compute/Unwindowed', {}, 10)).toBeUndefined();
    expect(limitsOfPolicy('Microsoft.Compute/PutVM30Min', {}, 0)).toBeUndefined();
  });
});
