/** Protection policies of a tenant. */
import { z } from 'zod';
import { services } from '../compositionRoot';
import type { Policy } from '../domain/policy';
import { etagHeader, json } from '../http/routeSpec';
import { noQuery, tenantPathParams } from '../http/schemas/common';
import { policyBody, policyPathParams, policyResource } from '../http/schemas/protectionSchemas';
import { defineHttp } from './define/defineHttp';

defineHttp({
  name: 'listPolicies',
  method: 'GET',
  route: 'tenants/{tenantId}/policies',
  summary: "List a tenant's protection policies",
  tags: ['Policies'],
  auth: { role: 'DR.Reader' },
  params: tenantPathParams,
  query: noQuery,
  responses: { 200: { description: 'The policies', schema: z.object({ items: z.array(policyResource) }) } },
  handler: async ({ params }) =>
    json(200, { items: (await services().policies.list(params.tenantId)).map(present) }),
});

defineHttp({
  name: 'getPolicy',
  method: 'GET',
  route: 'tenants/{tenantId}/policies/{policyId}',
  summary: 'Read a protection policy',
  tags: ['Policies'],
  auth: { role: 'DR.Reader' },
  params: policyPathParams,
  query: noQuery,
  responses: { 200: { description: 'The policy; its ETag guards updates', schema: policyResource } },
  handler: async ({ params }) => {
    const policy = await services().policies.get(params.tenantId, params.policyId);
    return json(200, present(policy), etagHeader(policy));
  },
});

defineHttp({
  name: 'putPolicy',
  method: 'PUT',
  route: 'tenants/{tenantId}/policies/{policyId}',
  summary: 'Create a protection policy or replace it',
  description:
    'The backup region must be allowed for the tenant and differ from the primary region of every device under the policy. ' +
    'RPO in hours: 1, 2, 4, 6, 12, 16 or 24. Retention defaults to the 10 latest points, 4 weekly points and the latest manual point. ' +
    "Changed settings apply to the policy's devices at once.",
  tags: ['Policies'],
  auth: { role: 'DR.Admin' },
  params: policyPathParams,
  query: noQuery,
  body: policyBody,
  responses: {
    200: { description: 'Replaced', schema: policyResource },
    201: { description: 'Created', schema: policyResource },
    412: { description: 'The If-Match ETag is stale' },
  },
  handler: async ({ params, body, headers }) => {
    const { policy, created } = await services().policies.put(
      params.tenantId,
      params.policyId,
      { ...body, rpoHours: body.rpoHours as Policy['rpoHours'] },
      headers.get('if-match') ?? undefined,
    );
    return json(created ? 201 : 200, present(policy), etagHeader(policy));
  },
});

defineHttp({
  name: 'deletePolicy',
  method: 'DELETE',
  route: 'tenants/{tenantId}/policies/{policyId}',
  summary: 'Delete a protection policy no device uses',
  tags: ['Policies'],
  auth: { role: 'DR.Admin' },
  params: policyPathParams,
  query: noQuery,
  responses: { 204: { description: 'Deleted' }, 409: { description: 'Devices still use the policy' } },
  handler: async ({ params }) => {
    await services().policies.remove(params.tenantId, params.policyId);
    return { status: 204 };
  },
});

function present(policy: Policy): z.infer<typeof policyResource> {
  const { version: _version, tenantId: _tenantId, ...resource } = policy;
  return resource;
}
