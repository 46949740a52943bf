/** Serves the OpenAPI document generated from the registered routes. */
import { buildOpenApi } from '../http/openApi';
import { noQuery } from '../http/schemas/common';
import { json } from '../http/routeSpec';
import { defineHttp } from './define/defineHttp';
import { httpFunctions } from './registry';
import { version } from '../version';

defineHttp({
  name: 'getOpenApiDocument',
  method: 'GET',
  route: 'openapi.json',
  summary: 'This OpenAPI 3.1 document',
  tags: ['Operations'],
  auth: 'anonymous',
  query: noQuery,
  responses: { 200: { description: 'The OpenAPI document', contentType: 'application/json' } },
  handler: async () =>
    json(
      200,
      buildOpenApi(
        httpFunctions().map((f) => f.spec),
        version,
      ),
    ),
});
