import { describe, expect, it } from 'vitest';
import { cosmosOperationKind } from '../../../src/adapters/deadlines/cosmosDeadlinePlugin';
import { storageOperationKind } from '../../../src/adapters/deadlines/storageDeadlinePolicies';

describe('storageOperationKind', () => {
  it.each([
    ['GET', false, 'read'],
    ['HEAD', false, 'read'],
    ['PUT', false, 'write'],
    ['DELETE', false, 'write'],
    ['POST', false, 'write'],
    // Copy Blob and Put Page From URL name their source: the service reads it before answering.
    ['PUT', true, 'copy'],
  ] as const)('%s (copy source: %s) is a %s', (method, copySource, kind) => {
    expect(storageOperationKind(method, copySource)).toBe(kind);
  });
});

describe('cosmosOperationKind', () => {
  it.each([
    [{ operationType: 'read', method: 'GET' }, 'read'],
    // Queries are POSTs, and reads for their budget.
    [{ operationType: 'query', method: 'POST' }, 'read'],
    [{ operationType: 'create', method: 'POST' }, 'write'],
    [{ operationType: 'patch', method: 'PATCH' }, 'write'],
    [{ operationType: 'batch', method: 'POST' }, 'write'],
  ] as const)('%j is a %s', (context, kind) => {
    expect(cosmosOperationKind(context as never)).toBe(kind);
  });
});
