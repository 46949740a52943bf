import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/ApiError';
import { fieldErrorsOf, fieldErrorsOfProblems, fieldMessage, fieldState } from '../src/logic/fieldErrors';

const badRequest = (errors: { field: string; reason: string }[]) =>
  new ApiError(400, 'Bad Request', 'The request is invalid', 'invalid-request', 'corr-1', errors);

describe('fieldErrorsOf', () => {
  it('keys an ApiError’s field errors by path, joining two reasons for one field', () => {
    const errors = fieldErrorsOf(
      badRequest([
        { field: 'body.rpoHours', reason: 'must be one of 1, 2, 4, 6, 12, 16, 24' },
        { field: 'body.name', reason: 'is required' },
        { field: 'body.name', reason: 'must not contain control characters' },
      ]),
    );
    expect(errors.get('body.rpoHours')).toBe('must be one of 1, 2, 4, 6, 12, 16, 24');
    expect(errors.get('body.name')).toBe('is required; must not contain control characters');
  });

  it('has none for an error that is not the API’s', () => {
    expect(fieldErrorsOf(new Error('network down')).size).toBe(0);
    expect(fieldErrorsOf(undefined).size).toBe(0);
  });
});

describe('fieldMessage', () => {
  const errors = fieldErrorsOfProblems([
    { field: 'body.diskScopes.0.container', reason: 'must be a blob container name' },
    { field: 'body.diskScopes.1', reason: 'overlaps another tenant' },
    { field: 'body.diskScopesExtra', reason: 'is not a known field' },
    { field: 'path.policyId', reason: 'must be 1-64 letters' },
  ]);

  it('shows a field’s own reason', () => {
    expect(fieldMessage(errors, 'path.policyId')).toBe('must be 1-64 letters');
  });

  it('shows the reasons of fields inside it, named by their place', () => {
    expect(fieldMessage(errors, 'body.diskScopes.0')).toBe('container: must be a blob container name');
    expect(fieldMessage(errors, 'body.diskScopes')).toBe(
      '0.container: must be a blob container name; 1: overlaps another tenant',
    );
  });

  it('does not take a sibling whose name merely starts the same', () => {
    expect(fieldMessage(errors, 'body.diskScopes')).not.toContain('not a known field');
  });

  it('gathers several paths, and is undefined when none has an error', () => {
    expect(fieldMessage(errors, 'body.name', 'path.policyId')).toBe('must be 1-64 letters');
    expect(fieldMessage(errors, 'body.name')).toBeUndefined();
  });

  it('gives Fluent Field props only for a field in error', () => {
    expect(fieldState(errors, 'path.policyId')).toEqual({
      validationMessage: 'must be 1-64 letters',
      validationState: 'error',
    });
    expect(fieldState(errors, 'body.name')).toEqual({});
  });
});
