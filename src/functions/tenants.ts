/** Tenants: the organisation whose Cloud PCs are protected, and its licences. */
import { z } from 'zod';
import { services } from '../compositionRoot';
import type { Tenant } from '../domain/tenant';
import { noQuery, tenantPathParams } from '../http/schemas/common';
import { tenantBody, tenantResource } from '../http/schemas/tenantSchemas';
import { etagHeader, json } from '../http/routeSpec';
import { defineHttp } from './define/defineHttp';

defineHttp({
  name: 'getTenant',
  method: 'GET',
  route: 'tenants/{tenantId}',
  summary: 'Read a tenant',
  tags: ['Tenants'],
  auth: { role: 'DR.Reader' },
  params: tenantPathParams,
  query: noQuery,
  responses: { 200: { description: 'The tenant; its ETag guards updates', schema: tenantResource } },
  handler: async ({ params }) => {
    const tenant = await services().tenants.get(params.tenantId);
    return json(200, present(tenant), etagHeader(tenant));
  },
});

defineHttp({
  name: 'putTenant',
  method: 'PUT',
  route: 'tenants/{tenantId}',
  summary: 'Create a tenant or replace its settings',
  description:
    'Send `If-Match` with the ETag you read to refuse the update if someone else changed the tenant since.',
  tags: ['Tenants'],
  auth: { role: 'DR.Admin' },
  params: tenantPathParams,
  query: noQuery,
  body: tenantBody,
  responses: {
    200: { description: 'Updated', schema: tenantResource },
    201: { description: 'Created', schema: tenantResource },
    412: { description: 'The If-Match ETag is stale' },
  },
  handler: async ({ params, body, headers }) => {
    const ifMatch = headers.get('if-match') ?? undefined;
    const { tenant, created } = await services().tenants.put(params.tenantId, body, ifMatch);
    return json(created ? 201 : 200, present(tenant), etagHeader(tenant));
  },
});

function present(tenant: Tenant): z.infer<typeof tenantResource> {
  const { version: _version, ...resource } = tenant;
  return resource;
}
