/**
 * The API client: openapi-fetch over the types generated from the API's own OpenAPI document, so
 * every path, parameter and body here is checked against the routes the control plane serves.
 * It sends the session's bearer token, and reports a 401 so the portal asks the admin to sign in
 * again. Calls are made through `ok`, which returns the body or throws an ApiError.
 */
import createClient, { type Client } from 'openapi-fetch';
import { apiErrorOfBody } from './ApiError';
import type { paths } from './schema';

export type Api = Client<paths>;

export interface ApiOptions {
  /** The token to send, read at each request (a renewed sign-in is used at once). */
  token: () => string | undefined;
  /** The API refused the token (expired, revoked): the admin must sign in again. */
  onUnauthorized: () => void;
  baseUrl?: string;
}

export function createApi(options: ApiOptions): Api {
  const api = createClient<paths>({ baseUrl: options.baseUrl ?? '' });
  api.use({
    onRequest({ request }) {
      const token = options.token();
      if (token) request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) options.onUnauthorized();
      return response;
    },
  });
  return api;
}

/** The response of an openapi-fetch call. */
interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The call's body, or the ApiError its failure stands for. */
export async function ok<T>(call: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw apiErrorOfBody(response, error);
  return data as T;
}

/** The call's body and the response's headers (Retry-After, Location), or its ApiError. */
export async function okWithResponse<T>(
  call: Promise<FetchResult<T>>,
): Promise<{ data: T; response: Response }> {
  const { data, error, response } = await call;
  if (!response.ok) throw apiErrorOfBody(response, error);
  return { data: data as T, response };
}
