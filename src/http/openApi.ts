/**
 * The OpenAPI 3.1 document, generated from the same route specs the pipeline enforces, so the
 * document cannot drift from the routes.
 */
import { z } from 'zod';
import { Roles } from '../domain/roles';
import { problemContentType } from './problem';
import { routeParamNames, type HttpRouteSpec } from './routeSpec';

type JsonObject = Record<string, unknown>;

const errorResponses: Record<number, string> = {
  400: 'The request is invalid; `errors` names each bad field',
  401: 'The bearer token is missing or invalid',
  403: 'The caller lacks the role this operation requires',
  404: 'Not found, or belongs to another tenant',
  500: 'Unexpected error; quote the correlation id',
  503: "A dependency did not answer within the request's bound (10 s): `dependency` names it and `Retry-After` says when to try again. The request changed nothing, or the same request again completes what it began",
};

export function buildOpenApi(
  specs: readonly HttpRouteSpec<never, never, never>[],
  version: string,
): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const spec of [...specs].sort((a, b) => a.route.localeCompare(b.route))) {
    const path = `/api/${spec.route.replace(/\{([A-Za-z0-9_]+)[^}]*\}/g, '{$1}')}`;
    (paths[path] ??= {})[spec.method.toLowerCase()] = operation(spec);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Cloud PC disaster recovery control plane',
      version,
      description: `Roles, each including the ones before it: ${Roles.join(', ')}. Tenant-scoped routes require the token's tid to be the route's tenant.`,
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Problem: problemSchema },
    },
  };
}

function operation(spec: HttpRouteSpec<never, never, never>): JsonObject {
  const responses: Record<string, JsonObject> = {};
  for (const [status, response] of Object.entries(spec.responses)) {
    const content = response.schema
      ? { [response.contentType ?? 'application/json']: { schema: schemaOf(response.schema, 'output') } }
      : response.contentType
        ? { [response.contentType]: {} }
        : { [problemContentType]: { schema: { $ref: '#/components/schemas/Problem' } } };
    responses[status] = { description: response.description, content };
  }
  const errors = spec.auth === 'anonymous' ? [400, 500] : [400, 401, 403, 404, 500, 503];
  for (const status of errors) {
    responses[status] ??= {
      description: errorResponses[status],
      content: { [problemContentType]: { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  const op: JsonObject = {
    operationId: spec.name,
    summary: spec.summary,
    parameters: [...pathParameters(spec), ...queryParameters(spec)],
    responses,
    security: spec.auth === 'anonymous' ? [] : [{ bearer: [] }],
  };
  if (spec.description) op['description'] = spec.description;
  if (spec.tags) op['tags'] = spec.tags;
  if (spec.auth !== 'anonymous') op['x-required-role'] = spec.auth.role;
  if (spec.body) {
    op['requestBody'] = {
      required: true,
      content: { 'application/json': { schema: schemaOf(spec.body, 'input') } },
    };
  }
  return op;
}

function pathParameters(spec: HttpRouteSpec<never, never, never>): JsonObject[] {
  const properties = spec.params ? objectProperties(spec.params) : {};
  return routeParamNames(spec.route).map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: properties[name] ?? { type: 'string' },
  }));
}

function queryParameters(spec: HttpRouteSpec<never, never, never>): JsonObject[] {
  if (!spec.query) return [];
  const schema = schemaOf(spec.query, 'input');
  const required = new Set((schema['required'] as string[] | undefined) ?? []);
  return Object.entries(objectProperties(spec.query)).map(([name, property]) => ({
    name,
    in: 'query',
    required: required.has(name),
    schema: property,
  }));
}

function objectProperties(schema: z.ZodType): Record<string, JsonObject> {
  return (schemaOf(schema, 'input')['properties'] as Record<string, JsonObject> | undefined) ?? {};
}

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    // Zod leaves a default out of an input schema whose value then passes a transform (a query
    // integer's digits); the document still owes the caller the value an absent field takes.
    override: ({ zodSchema, jsonSchema }) => {
      const def = zodSchema._zod.def;
      if (def.type === 'default' && jsonSchema.default === undefined) jsonSchema.default = def.defaultValue;
    },
  }) as JsonObject;
  return rest;
}

const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', description: 'Stable machine-readable error code' },
    detail: { type: 'string' },
    correlationId: { type: 'string' },
    dependency: {
      type: 'string',
      description:
        'With 503: the dependency that did not answer, as /api/health names it (storage:westeurope, state-store)',
    },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'reason'],
        properties: { field: { type: 'string' }, reason: { type: 'string' } },
      },
    },
  },
};
