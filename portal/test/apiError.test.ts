import { describe, expect, it } from 'vitest';
import { apiErrorOf, ApiError } from '../src/api/ApiError';
import { errorTitle } from '../src/components/errorTitle';

function problem(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}

describe('errors from the API as the portal shows them', () => {
  it('keeps the detail, code, field errors and correlation id of a problem', async () => {
    const error = await apiErrorOf(
      problem(400, {
        title: 'Bad Request',
        status: 400,
        code: 'validation-failed',
        detail: 'The body is not valid',
        errors: [{ field: 'body.rpoHours', reason: 'must be one of 1, 2, 4' }, { nonsense: true }],
        correlationId: 'c-123',
      }),
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 400,
      code: 'validation-failed',
      detail: 'The body is not valid',
      correlationId: 'c-123',
      errors: [{ field: 'body.rpoHours', reason: 'must be one of 1, 2, 4' }],
    });
    expect(errorTitle(error)).toBe('Bad Request (400)');
  });

  it('says which role is missing on a 403, and when to retry on a 503', async () => {
    const forbidden = await apiErrorOf(
      problem(403, { title: 'Forbidden', detail: 'This operation requires the DR.Operator role' }),
    );
    expect(errorTitle(forbidden)).toBe('Your role does not allow this');
    expect(forbidden.message).toContain('DR.Operator');
    const unavailable = await apiErrorOf(
      problem(503, { detail: 'storage did not answer' }, { 'retry-after': '7', 'x-correlation-id': 'h-1' }),
    );
    expect(unavailable.retryAfterMs).toBe(7_000);
    expect(unavailable.correlationId).toBe('h-1');
  });

  it('makes sense of a body that is not a problem (a proxy’s HTML page)', async () => {
    const error = await apiErrorOf(problem(502, '<html>Bad gateway</html>'));
    expect(error.status).toBe(502);
    expect(error.detail).toBe('The API answered 502');
    expect(error.errors).toEqual([]);
  });
});
