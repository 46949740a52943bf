import { describe, expect, it } from 'vitest';
import {
  nextSize,
  nextZone,
  whyNothingFits,
  zoneOrder,
  type FitOf,
} from '../../../../src/adapters/compute/azure/placement';

const sizes = ['Standard_D4s_v5', 'Standard_D2s_v6', 'Standard_D2s_v5'];
/** D2s_v6 never fits (NVMe only); D4s_v5 is not offered in zone 3. */
const fitOf: FitOf = (size, zone) => {
  if (size === 'Standard_D2s_v6') return { fits: false, reason: 'Standard_D2s_v6 supports only NVMe' };
  if (size === 'Standard_D4s_v5' && zone === '3')
    return { fits: false, reason: 'Standard_D4s_v5 is not offered in zone 3' };
  return { fits: true };
};

describe('zoneOrder', () => {
  it('starts with the recorded zone, then the policy zones, each once and only those the region has', () => {
    expect(zoneOrder('2', ['1', '2', '3'], ['1', '2', '3'])).toEqual(['2', '1', '3']);
    expect(zoneOrder('2', ['3', '4'], ['1', '2', '3'])).toEqual(['2', '3']);
    expect(zoneOrder(undefined, undefined, ['1', '2', '3'])).toEqual(['1', '2', '3']);
    expect(zoneOrder('9', undefined, ['1', '2'])).toEqual(['1', '2']);
  });

  it('is one regional placement in a region without zones', () => {
    expect(zoneOrder('2', ['1'], [])).toEqual([undefined]);
  });
});

describe('nextSize', () => {
  it('takes the first fitting size, then the one after the size that failed, skipping misfits', () => {
    expect(nextSize(sizes, '1', undefined, fitOf)).toEqual({ zone: '1', size: 'Standard_D4s_v5' });
    expect(nextSize(sizes, '1', 'Standard_D4s_v5', fitOf)).toEqual({ zone: '1', size: 'Standard_D2s_v5' });
    expect(nextSize(sizes, '1', 'standard_d2s_v5', fitOf)).toBeUndefined();
    expect(nextSize(sizes, '3', undefined, fitOf)).toEqual({ zone: '3', size: 'Standard_D2s_v5' });
  });

  it('carries the disk controller a size needs', () => {
    const nvme: FitOf = () => ({ fits: true, diskControllerType: 'NVMe' });
    expect(nextSize(['Standard_D2s_v6'], undefined, undefined, nvme)).toEqual({
      size: 'Standard_D2s_v6',
      diskControllerType: 'NVMe',
    });
  });
});

describe('nextZone', () => {
  it('skips zones already tried in the round', () => {
    expect(nextZone(['2', '1', '3'], [], sizes, fitOf)).toEqual({ zone: '2', size: 'Standard_D4s_v5' });
    expect(nextZone(['2', '1', '3'], ['2'], sizes, fitOf)).toEqual({ zone: '1', size: 'Standard_D4s_v5' });
    expect(nextZone(['2', '1', '3'], ['2', '1'], sizes, fitOf)).toEqual({
      zone: '3',
      size: 'Standard_D2s_v5',
    });
    expect(nextZone(['2', '1', '3'], ['2', '1', '3'], sizes, fitOf)).toBeUndefined();
  });

  it('skips a zone where no size fits', () => {
    const onlyIn1: FitOf = (_size, zone) => (zone === '1' ? { fits: true } : { fits: false, reason: 'no' });
    expect(nextZone(['2', '1'], [], ['S'], onlyIn1)).toEqual({ zone: '1', size: 'S' });
  });
});

describe('whyNothingFits', () => {
  it('names each candidate and why it does not fit', () => {
    expect(whyNothingFits(['Standard_D2s_v6'], ['1'], fitOf)).toBe(
      'no candidate size fits the disk: Standard_D2s_v6 supports only NVMe',
    );
    expect(whyNothingFits([], ['1'], fitOf)).toMatch(/records no VM size/);
  });
});
