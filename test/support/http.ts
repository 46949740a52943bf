/** Small fetch wrappers for tests: the parsed body typed loosely, as a client would see it. */
export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export async function call(
  url: string,
  init: RequestInit & { token?: string; json?: unknown } = {},
): Promise<TestResponse> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const response = await fetch(url, { ...init, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}
