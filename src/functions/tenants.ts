/**
 * Tenants: the organisation whose Cloud PCs are protected. The platform (DR.PlatformAdmin of the
 * deployment's home tenant) creates them and sets their licences and disk scopes; a tenant's own
 * admin reads them and changes its name and backup regions.
 */
import type { HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { services } from '../compositionRoot';
import { PlatformRole } from '../domain/roles';
import type { Tenant } from '../domain/tenant';
import { noQuery, tenantPathParams } from '../http/schemas/common';
import { tenantEntitlementBody, tenantResource, tenantSettingsBody } from '../http/schemas/tenantSchemas';
import { etagHeader, json } from '../http/routeSpec';
import { defineHttp } from './define/defineHttp';

const ifMatchNote =
  'Send `If-Match` with the ETag you read to refuse the update if someone else changed the tenant since.';

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
  handler: readTenant,
});

defineHttp({
  name: 'putTenant',
  method: 'PUT',
  route: 'tenants/{tenantId}',
  summary: "Change a tenant's name and backup regions",
  description: `Licences and disk scopes are the platform's to set. ${ifMatchNote}`,
  tags: ['Tenants'],
  auth: { role: 'DR.Admin' },
  params: tenantPathParams,
  query: noQuery,
  body: tenantSettingsBody,
  responses: {
    200: { description: 'Updated', schema: tenantResource },
    412: { description: 'The If-Match ETag is stale' },
  },
  handler: async ({ params, body, headers }) => {
    const tenant = await services().tenants.updateSettings(
      params.tenantId,
      body,
      headers.get('if-match') ?? undefined,
    );
    return json(200, present(tenant), etagHeader(tenant));
  },
});

defineHttp({
  name: 'getPlatformTenant',
  method: 'GET',
  route: 'platform/tenants/{tenantId}',
  summary: "Read a tenant's entitlement (platform)",
  tags: ['Platform'],
  auth: { role: PlatformRole },
  params: tenantPathParams,
  query: noQuery,
  responses: { 200: { description: 'The tenant; its ETag guards updates', schema: tenantResource } },
  handler: readTenant,
});

defineHttp({
  name: 'putPlatformTenant',
  method: 'PUT',
  route: 'platform/tenants/{tenantId}',
  summary: 'Create a tenant or set its licences and disk scopes (platform)',
  description: `A disk scope overlapping another tenant's is refused (409), as is an \`azureDirectoryId\` other than that of a tenant already holding scopes in the same subscription. ${ifMatchNote}`,
  tags: ['Platform'],
  auth: { role: PlatformRole },
  params: tenantPathParams,
  query: noQuery,
  body: tenantEntitlementBody,
  responses: {
    200: { description: 'Updated', schema: tenantResource },
    201: { description: 'Created', schema: tenantResource },
    409: {
      description:
        "A disk scope overlaps another tenant's, or lies in a subscription another tenant holds in another Azure directory",
    },
    412: { description: 'The If-Match ETag is stale' },
  },
  handler: async ({ params, body, headers }) => {
    const { tenant, created } = await services().tenants.putEntitlement(
      params.tenantId,
      body,
      headers.get('if-match') ?? undefined,
    );
    return json(created ? 201 : 200, present(tenant), etagHeader(tenant));
  },
});

/** The tenant as its admins and the platform read it: one resource, two audiences. */
async function readTenant({ params }: { params: { tenantId: string } }): Promise<HttpResponseInit> {
  const tenant = await services().tenants.get(params.tenantId);
  return json(200, present(tenant), etagHeader(tenant));
}

function present(tenant: Tenant): z.infer<typeof tenantResource> {
  const { version: _version, ...resource } = tenant;
  return resource;
}
