import { describe, expect, it } from 'vitest';
import {
  registrationRunCommandBody,
  vmBody,
  vmSecurity,
} from '../../../../src/adapters/compute/azure/deviceBodies';
import { registerSessionHostScript } from '../../../../src/adapters/compute/azure/registerSessionHost.ps1';
import { diskName } from '../../../../src/adapters/compute/azure/temporaryDeviceResources';

describe('vmSecurity', () => {
  it("declares the disk's own security type", () => {
    expect(vmSecurity('TrustedLaunch')).toEqual({
      securityProfile: {
        securityType: 'TrustedLaunch',
        uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
      },
    });
    expect(vmSecurity('ConfidentialVM_VMGuestStateOnlyEncryptedWithPlatformKey')).toMatchObject({
      securityProfile: { securityType: 'ConfidentialVM' },
      diskEncryptionType: 'VMGuestStateOnly',
    });
    expect(vmSecurity('ConfidentialVM_DiskEncryptedWithCustomerKey').diskEncryptionType).toBe(
      'DiskWithVMGuestState',
    );
    expect(vmSecurity('Standard')).toEqual({});
    expect(vmSecurity(undefined)).toEqual({});
  });
});

describe('vmBody', () => {
  it('attaches the disk and NIC with deleteOption Delete, in the zone, with the reservation group', () => {
    const body = vmBody({
      region: 'westus',
      placement: { zone: '2', size: 'Standard_D2s_v6', diskControllerType: 'NVMe' },
      diskId: '/d',
      nicId: '/n',
      disk: { osType: 'Windows', securityType: 'TrustedLaunch' },
      tags: { 'dr-temporary-device': 'dr-x' },
      zonesTried: ['1'],
      hostPoolId: '/hp',
      capacityReservationGroupId: '/crg',
    });
    expect(body).toMatchObject({
      location: 'westus',
      zones: ['2'],
      hardwareProfile: { vmSize: 'Standard_D2s_v6' },
      storageProfile: {
        osDisk: {
          createOption: 'Attach',
          deleteOption: 'Delete',
          managedDisk: { id: '/d' },
          osType: 'Windows',
        },
        diskControllerType: 'NVMe',
      },
      networkProfile: { networkInterfaces: [{ id: '/n', primary: true, deleteOption: 'Delete' }] },
      securityProfile: { securityType: 'TrustedLaunch' },
      capacityReservation: { capacityReservationGroup: { id: '/crg' } },
      tags: { 'dr-temporary-device': 'dr-x', 'dr-zones-tried': '1', 'dr-host-pool': '/hp' },
      licenseType: 'Windows_Client',
    });
  });
});

describe('the registration run command', () => {
  it('passes the token as a protected parameter the script declares, never in the script', () => {
    const body = registrationRunCommandBody('westus', 'secret-token');
    expect(body.protectedParameters).toEqual([{ name: 'RegistrationToken', value: 'secret-token' }]);
    expect(body.parameters).toBeUndefined();
    expect(body.source?.script).toBe(registerSessionHostScript);
    expect(registerSessionHostScript).not.toContain('secret-token');
    expect(registerSessionHostScript).toMatch(/^param\(\[string\]\$RegistrationToken\)/);
    expect(registerSessionHostScript).toContain('-Name IsRegistered -Value 0');
    expect(registerSessionHostScript).toContain('Restart-Service -Name RDAgentBootLoader');
  });
});

describe('diskName', () => {
  it('names each zone’s disk apart', () => {
    expect(diskName('dr-a', '2')).toBe('dr-a-os-z2');
    expect(diskName('dr-a', undefined)).toBe('dr-a-os');
  });
});
