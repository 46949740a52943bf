import type { ResourceSku } from '@azure/arm-compute';
import { describe, expect, it } from 'vitest';
import {
  candidateSizes,
  sizeFits,
  sizeInfoOf,
  type SizeInfo,
} from '../../../../src/adapters/compute/azure/sizeFit';

const region = 'westus';

function sku(
  name: string,
  capabilities: Record<string, string>,
  extra: Partial<ResourceSku> = {},
): ResourceSku {
  return {
    resourceType: 'virtualMachines',
    name,
    family: 'standardDSv5Family',
    locations: [region],
    locationInfo: [{ location: region, zones: ['1', '2', '3'] }],
    capabilities: Object.entries(capabilities).map(([n, value]) => ({ name: n, value })),
    restrictions: [],
    ...extra,
  };
}

const general = sizeInfoOf(
  sku('Standard_D2s_v5', {
    vCPUs: '2',
    HyperVGenerations: 'V1,V2',
    PremiumIO: 'True',
    DiskControllerTypes: 'SCSI',
  }),
  region,
);
const trustedLaunchDisk = {
  hyperVGeneration: 'V2',
  securityType: 'TrustedLaunch',
  diskControllerTypes: 'SCSI',
};

describe('sizeInfoOf', () => {
  it('reads the capabilities, with the SKU API defaults where a capability is absent', () => {
    expect(general).toMatchObject({
      name: 'Standard_D2s_v5',
      family: 'standardDSv5Family',
      vCPUs: 2,
      hyperVGenerations: ['V1', 'V2'],
      diskControllerTypes: ['SCSI'],
      premiumIO: true,
      trustedLaunch: true,
      confidential: false,
      zones: ['1', '2', '3'],
      restrictedInRegion: false,
    });
    const bare = sizeInfoOf(sku('Standard_A1', {}), region);
    expect(bare.hyperVGenerations).toEqual(['V1']);
    expect(bare.diskControllerTypes).toEqual(['SCSI']);
    expect(bare.premiumIO).toBe(false);
  });

  it('reads restrictions for the region and its zones, ignoring those of other regions', () => {
    const info = sizeInfoOf(
      sku(
        'Standard_E2s_v5',
        {},
        {
          restrictions: [
            {
              type: 'Zone',
              values: [region],
              restrictionInfo: { locations: [region], zones: ['3'] },
              reasonCode: 'NotAvailableForSubscription',
            },
            {
              type: 'Location',
              values: ['eastus'],
              restrictionInfo: { locations: ['eastus'] },
              reasonCode: 'NotAvailableForSubscription',
            },
          ],
        },
      ),
      region,
    );
    expect(info.restrictedZones).toEqual(['3']);
    expect(info.restrictedInRegion).toBe(false);
    const whole = sizeInfoOf(
      sku(
        'Standard_E2s_v5',
        {},
        { restrictions: [{ type: 'Location', values: [region], reasonCode: 'NotAvailableForSubscription' }] },
      ),
      region,
    );
    expect(whole.restrictedInRegion).toBe(true);
  });
});

describe('sizeFits', () => {
  const with_ = (change: Partial<SizeInfo>): SizeInfo => ({ ...general, ...change });

  it('fits a size whose capabilities cover the disk', () => {
    expect(sizeFits(general, 'Standard_D2s_v5', trustedLaunchDisk, '1', true)).toEqual({ fits: true });
  });

  it('refuses a size the region does not offer or the subscription may not use', () => {
    expect(sizeFits(undefined, 'Standard_X', trustedLaunchDisk, '1', true)).toMatchObject({
      fits: false,
      reason: expect.stringContaining('not offered in this region'),
    });
    expect(sizeFits(with_({ restrictedInRegion: true }), 'S', trustedLaunchDisk, '1', true)).toMatchObject({
      fits: false,
      reason: expect.stringContaining('not available to the subscription'),
    });
    expect(sizeFits(with_({ restrictedZones: ['2'] }), 'S', trustedLaunchDisk, '2', true)).toMatchObject({
      fits: false,
      reason: expect.stringContaining('zone 2'),
    });
    expect(sizeFits(with_({ restrictedZones: ['2'] }), 'S', trustedLaunchDisk, '1', true).fits).toBe(true);
    expect(sizeFits(with_({ zones: ['1'] }), 'S', trustedLaunchDisk, '3', true)).toMatchObject({
      fits: false,
      reason: 'S is not offered in zone 3',
    });
  });

  it('refuses a size that cannot boot the disk generation', () => {
    expect(sizeFits(with_({ hyperVGenerations: ['V1'] }), 'S', trustedLaunchDisk, '1', true)).toMatchObject({
      fits: false,
      reason: 'S does not boot Hyper-V generation V2 disks',
    });
    // A disk naming no generation is V1.
    expect(sizeFits(with_({ hyperVGenerations: ['V2'] }), 'S', {}, '1', true).fits).toBe(false);
  });

  it('refuses an NVMe-only size for a SCSI image, and declares NVMe where only NVMe is common', () => {
    const nvmeOnly = with_({ diskControllerTypes: ['NVMe'] });
    expect(sizeFits(nvmeOnly, 'Standard_D2s_v6', trustedLaunchDisk, '1', true)).toMatchObject({
      fits: false,
      reason: expect.stringContaining('NVMe'),
    });
    expect(
      sizeFits(
        nvmeOnly,
        'Standard_D2s_v6',
        { ...trustedLaunchDisk, diskControllerTypes: 'SCSI, NVMe' },
        '1',
        true,
      ),
    ).toEqual({
      fits: true,
      diskControllerType: 'NVMe',
    });
    expect(
      sizeFits(
        with_({ diskControllerTypes: ['SCSI', 'NVMe'] }),
        'S',
        { ...trustedLaunchDisk, diskControllerTypes: 'SCSI, NVMe' },
        '1',
        true,
      ),
    ).toEqual({ fits: true });
  });

  it('refuses premium storage, Trusted Launch and confidential mismatches', () => {
    expect(
      sizeFits(with_({ premiumIO: false }), 'Standard_D2_v3', trustedLaunchDisk, '1', true),
    ).toMatchObject({ fits: false, reason: expect.stringContaining('premium') });
    expect(
      sizeFits(with_({ premiumIO: false }), 'Standard_D2_v3', { hyperVGeneration: 'V2' }, '1', false).fits,
    ).toBe(true);
    expect(sizeFits(with_({ trustedLaunch: false }), 'S', trustedLaunchDisk, '1', true)).toMatchObject({
      fits: false,
      reason: 'S does not support Trusted Launch',
    });
    expect(
      sizeFits(
        with_({ trustedLaunch: false }),
        'S',
        { hyperVGeneration: 'V2', securityType: 'Standard' },
        '1',
        true,
      ).fits,
    ).toBe(true);
    const confidentialDisk = {
      hyperVGeneration: 'V2',
      securityType: 'ConfidentialVM_DiskEncryptedWithPlatformKey',
    };
    expect(sizeFits(general, 'S', confidentialDisk, '1', true)).toMatchObject({
      fits: false,
      reason: expect.stringContaining('does not run confidential VMs'),
    });
    expect(sizeFits(with_({ confidential: true }), 'DC', trustedLaunchDisk, '1', true)).toMatchObject({
      fits: false,
      reason: expect.stringContaining('confidential VMs only'),
    });
    expect(sizeFits(with_({ confidential: true }), 'DC', confidentialDisk, '1', true).fits).toBe(true);
  });
});

describe('candidateSizes', () => {
  it('puts the recorded size first, then the fallbacks, each once without regard to case', () => {
    expect(
      candidateSizes('Standard_D4s_v5', ['standard_d4s_v5', 'Standard_D2s_v5', 'Standard_D2s_v5']),
    ).toEqual(['Standard_D4s_v5', 'Standard_D2s_v5']);
    expect(candidateSizes(undefined, ['Standard_D2s_v5'])).toEqual(['Standard_D2s_v5']);
    expect(candidateSizes(undefined)).toEqual([]);
  });
});
