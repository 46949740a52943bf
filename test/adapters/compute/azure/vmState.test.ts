import { describe, expect, it } from 'vitest';
import { agentReady, vmProgress } from '../../../../src/adapters/compute/azure/vmState';

describe('vmProgress', () => {
  it('follows the provisioning state', () => {
    expect(vmProgress({ location: 'w', provisioningState: 'Creating' })).toEqual({ phase: 'creating' });
    expect(vmProgress({ location: 'w', provisioningState: 'Updating' })).toEqual({ phase: 'creating' });
    expect(vmProgress({ location: 'w', provisioningState: 'Deleting' })).toEqual({ phase: 'deleting' });
    expect(vmProgress({ location: 'w', provisioningState: 'Succeeded' })).toEqual({ phase: 'provisioned' });
  });

  it("reads a failed VM's code and message from its provisioning status", () => {
    const statuses = [
      { code: 'ProvisioningState/failed/ZonalAllocationFailed', message: 'No capacity in zone 2' },
      { code: 'PowerState/stopped' },
    ];
    expect(vmProgress({ location: 'w', provisioningState: 'Failed' }, { statuses })).toEqual({
      phase: 'failed',
      code: 'ZonalAllocationFailed',
      message: 'No capacity in zone 2',
    });
    expect(
      vmProgress({ location: 'w', provisioningState: 'Failed', instanceView: { statuses } }),
    ).toMatchObject({
      code: 'ZonalAllocationFailed',
    });
    expect(vmProgress({ location: 'w', provisioningState: 'Failed' })).toMatchObject({
      phase: 'failed',
      code: undefined,
    });
  });
});

describe('agentReady', () => {
  it('is true only when the VM agent reports Ready', () => {
    expect(
      agentReady({
        vmAgent: { statuses: [{ code: 'ProvisioningState/succeeded', displayStatus: 'Ready' }] },
      }),
    ).toBe(true);
    expect(
      agentReady({
        vmAgent: { statuses: [{ code: 'ProvisioningState/Unavailable', displayStatus: 'Not Ready' }] },
      }),
    ).toBe(false);
    expect(agentReady({ statuses: [{ code: 'PowerState/running' }] })).toBe(false);
    expect(agentReady(undefined)).toBe(false);
  });
});
