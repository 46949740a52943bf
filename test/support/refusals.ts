/** Checks shared by the API suites: a refusal is a problem naming its field, and changes nothing. */
import { expect } from 'vitest';
import type { TestResponse } from './http';
import { stateSnapshot } from './stateSnapshot';

/** The fields a problem's `errors` name. */
export function fields(response: TestResponse): string[] {
  return ((response.body?.errors ?? []) as { field: string }[]).map((e) => e.field);
}

/** Asserts a 4xx problem naming `field`, and that no document changed. */
export async function expectRefused(
  request: () => Promise<TestResponse>,
  status: number,
  field?: string,
): Promise<TestResponse> {
  const before = await stateSnapshot();
  const response = await request();
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  if (field) expect(fields(response)).toContain(field);
  expect(await stateSnapshot()).toEqual(before);
  return response;
}
