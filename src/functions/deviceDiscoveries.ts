/** Device discovery: a tenant's devices read from an AVD personal host pool instead of typed in. */
import { services } from '../compositionRoot';
import { currentScope } from '../adapters/deadlines/deadlineScope';
import { badRequest } from '../http/problem';
import { json } from '../http/routeSpec';
import { noQuery, tenantPathParams } from '../http/schemas/common';
import { discoveryBody, discoveryResponse } from '../http/schemas/discoverySchemas';
import { defineHttp } from './define/defineHttp';

defineHttp({
  name: 'discoverDevices',
  method: 'POST',
  route: 'tenants/{tenantId}/device-discoveries',
  summary: 'Register or update one device per session host of an AVD personal host pool',
  description:
    "Reads the pool's session hosts, each one's assigned user and its VM's OS disk, and registers (or updates) a device per session host " +
    'with the rules of PUT .../devices/{deviceId}, answering a result per session host. The pool, each VM and each disk must lie in the ' +
    "tenant's managed-disk scopes. A session host without an assigned user is skipped. Session hosts go in name order, as many as fit " +
    'in the request (ARM paces the reads): while some remain the answer carries a continuationToken to send back. Running it again is ' +
    'harmless: devices that already say the same are unchanged.',
  tags: ['Devices'],
  auth: { role: 'DR.Admin' },
  params: tenantPathParams,
  query: noQuery,
  body: discoveryBody,
  responses: {
    200: { description: 'Per-session-host results, and where to resume', schema: discoveryResponse },
  },
  handler: async ({ params, body, auditDetail }) => {
    const after = decodeResumeToken(body.continuationToken);
    if (after === null)
      return badRequest('The continuation token is not one this API returned', [
        { field: 'body.continuationToken', reason: 'is not a continuation token this API returned' },
      ]);
    // Hosts are started only while the request has time left for one, so a page ends with an answer.
    const scope = currentScope();
    const page = await services().deviceDiscovery.discover(
      params.tenantId,
      {
        hostPoolId: body.hostPoolId,
        policyId: body.policyId,
        priorityTier: body.priorityTier,
        idPrefix: body.idPrefix,
        maxSessionHosts: body.maxSessionHosts,
        ...(after !== undefined ? { after } : {}),
      },
      scope ? { timeLeftInMs: () => scope.deadlineAt - Date.now() } : {},
    );
    const { resumeAfter, ...answer } = page;
    const { created, updated, unchanged, skipped, failed, sessionHosts, results } = answer;
    auditDetail(
      `${body.hostPoolId}: ${results.length} of ${sessionHosts} session hosts; ${created} created, ${updated} updated, ` +
        `${unchanged} unchanged, ${skipped} skipped, ${failed} failed${resumeAfter !== undefined ? '; more to come' : ''}`,
    );
    return json(200, {
      ...answer,
      ...(resumeAfter !== undefined ? { continuationToken: encodeResumeToken(resumeAfter) } : {}),
    });
  },
});

/** The token is where to resume, opaque to clients: base64url of `{"after": name}`. */
function encodeResumeToken(after: string): string {
  return Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');
}

/** Undefined without a token; null for one this API could not have returned. */
function decodeResumeToken(token: string | undefined): string | undefined | null {
  if (token === undefined) return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return null;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    const after = (decoded as { after?: unknown } | null)?.after;
    return typeof after === 'string' && after.length > 0 && encodeResumeToken(after) === token ? after : null;
  } catch {
    return null;
  }
}
