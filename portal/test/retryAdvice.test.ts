import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/ApiError';
import { mayHaveReachedTheApi } from '../src/logic/retryAdvice';

const apiError = (status: number) => new ApiError(status, 'x', 'x', undefined, undefined);

describe('mayHaveReachedTheApi', () => {
  it('is true when no answer came (a lost response) or the server failed', () => {
    expect(mayHaveReachedTheApi(new TypeError('Failed to fetch'))).toBe(true);
    expect(mayHaveReachedTheApi(apiError(503))).toBe(true);
    expect(mayHaveReachedTheApi(apiError(500))).toBe(true);
    expect(mayHaveReachedTheApi(apiError(429))).toBe(true);
  });

  it('is false for a request the API refused as it stands', () => {
    expect(mayHaveReachedTheApi(apiError(400))).toBe(false);
    expect(mayHaveReachedTheApi(apiError(403))).toBe(false);
    expect(mayHaveReachedTheApi(apiError(409))).toBe(false);
  });
});
