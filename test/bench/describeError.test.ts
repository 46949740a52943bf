import { describe, expect, it } from 'vitest';
import { describeError } from '../../bench/describeError';

describe('describeError (a failed benchmark run in one line)', () => {
  it('is the message when there is one', () => {
    expect(describeError(new Error('The deactivation released 3 of 5 devices'))).toBe(
      'The deactivation released 3 of 5 devices',
    );
  });

  it('names the request a storage error without a body answered, without its query string', () => {
    // The shape of @azure/core-rest-pipeline's RestError for a 408 with no body.
    const error = Object.assign(new Error(''), {
      name: 'RestError',
      statusCode: 408,
      request: {
        method: 'PUT',
        url: 'http://127.0.0.1:10001/devstoreaccount1/bench-activation-floor/messages?sig=SECRET&se=2026',
      },
    });
    const line = describeError(error);
    expect(line).toContain(
      'RestError 408 (no message) answering PUT /devstoreaccount1/bench-activation-floor/messages',
    );
    expect(line).not.toContain('SECRET');
  });
});
