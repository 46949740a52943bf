/** What a sign-in client shows a user: normal, being recovered, on a temporary device in region X, or not recovered and why. */
import { services } from '../compositionRoot';
import { json } from '../http/routeSpec';
import { upnPathParams, userDrStatusResource } from '../http/schemas/activationSchemas';
import { noQuery } from '../http/schemas/common';
import { defineHttp } from './define/defineHttp';

defineHttp({
  name: 'getUserDrStatus',
  method: 'GET',
  route: 'users/{upn}/dr-status',
  summary: "A user's disaster-recovery status, for the sign-in client",
  description:
    "The user's own token, or a DR.Reader of the user's tenant. The tenant is the token's own: a user of another tenant answers as not found. " +
    "A device is `normal`, `recovering`, `on-temporary-device`, or `not-recovered` with the `reason` when an activation will not give it a temporary device (skipped, failed or cancelled) or its region is in outage with no activation targeting it. The user's `status` is the most pressing: on a temporary device, recovering, not recovered, normal.",
  tags: ['Disaster recovery'],
  auth: { role: 'DR.Reader', orSelf: 'upn' },
  params: upnPathParams,
  query: noQuery,
  responses: {
    200: { description: "The user's status and each of their Cloud PCs'", schema: userDrStatusResource },
  },
  handler: async ({ params, principal }) =>
    json(200, await services().userDrStatus.get(principal!.tenantId, params.upn)),
});
