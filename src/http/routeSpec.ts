/**
 * What a route declares once: method, path, the role it needs, the schemas of its input and
 * output. The pipeline enforces it; the OpenAPI document is generated from it.
 */
import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import type { PlatformRole, Role } from '../domain/roles';
import type { Principal } from './auth/principal';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type RouteAuth =
  | 'anonymous'
  | {
      role: Role;
      /** A path parameter holding a UPN: a caller whose own UPN it is needs no role. */
      orSelf?: string;
    }
  /** The deployment's own operators (see `isPlatformAdmin`); a `{tenantId}` here names the tenant they manage. */
  | { role: PlatformRole };

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json when a schema is given. */
  contentType?: string;
}

export interface HttpInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Present on every route that is not anonymous. */
  principal: Principal | undefined;
  headers: Headers;
  correlationId: string;
  context: InvocationContext;
  /** Facts the request's audit record carries when it succeeds: what a bulk change came to. */
  auditDetail: (detail: string) => void;
}

export interface HttpRouteSpec<P = unknown, Q = unknown, B = unknown> {
  /** The function's name: unique, also the OpenAPI operationId. */
  name: string;
  method: HttpMethod;
  /** Route template as the Functions host writes it, without the `api/` prefix: `tenants/{tenantId}`. */
  route: string;
  summary: string;
  description?: string;
  tags?: string[];
  /** Tenant routes with `{tenantId}` also require the token's tenant to be that tenant. */
  auth: RouteAuth;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  maxBodyBytes?: number;
  responses: Record<number, ResponseSpec>;
  handler: (input: HttpInput<P, Q, B>) => Promise<HttpResponseInit>;
}

/** Path parameter names of a route template, in order. */
export function routeParamNames(route: string): string[] {
  return [...route.matchAll(/\{([A-Za-z0-9_]+)[^}]*\}/g)].map((m) => m[1]!);
}

/** The JSON response most handlers return. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'content-type': 'application/json', ...headers } };
}

/** The `ETag` header of a versioned resource, for clients to send back as `If-Match`. */
export function etagHeader(resource: { version?: string }): Record<string, string> {
  return resource.version ? { etag: resource.version } : {};
}
