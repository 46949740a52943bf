import { describe, expect, it } from 'vitest';
import {
  classifyArmError,
  classifyCreationFailure,
} from '../../../../src/adapters/compute/azure/computeErrors';

describe('classifyCreationFailure', () => {
  it('sends allocation failures to the next size and zonal ones to the next zone', () => {
    expect(classifyCreationFailure('AllocationFailed', 'm').kind).toBe('size-capacity');
    expect(classifyCreationFailure('OverconstrainedAllocationRequest', 'm').kind).toBe('size-capacity');
    expect(classifyCreationFailure('ZonalAllocationFailed', 'm').kind).toBe('zone-capacity');
    expect(classifyCreationFailure('SkuNotAvailable', 'm').kind).toBe('sku-not-available');
  });

  it('names the cores quota an OperationNotAllowed exceeds', () => {
    const family = classifyCreationFailure(
      'OperationNotAllowed',
      'Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota. Additional details - Current Limit: 10',
    );
    expect(family).toMatchObject({ kind: 'quota', quota: 'standardDSv5Family Cores quota' });
    const regional = classifyCreationFailure(
      'OperationNotAllowed',
      'Operation results in exceeding approved Total Regional Cores quota.',
    );
    expect(regional).toMatchObject({ kind: 'quota', quota: 'Total Regional Cores quota' });
  });

  it('keeps every other code as a failure with its message', () => {
    expect(classifyCreationFailure('OperationNotAllowed', 'The VM count limit is reached')).toEqual({
      kind: 'other',
      code: 'OperationNotAllowed',
      message: 'The VM count limit is reached',
    });
    expect(classifyCreationFailure(undefined, 'boom')).toEqual({
      kind: 'other',
      code: 'Unknown',
      message: 'boom',
    });
  });
});

describe('classifyArmError', () => {
  it('reads the code and first line of a RestError-like failure', () => {
    const err = Object.assign(new Error('Size not offered\nmore'), {
      code: 'SkuNotAvailable',
      statusCode: 409,
    });
    expect(classifyArmError(err)).toEqual({
      kind: 'sku-not-available',
      code: 'SkuNotAvailable',
      message: 'Size not offered',
    });
  });
});
