/** The preview of an activation: what it would recover and skip, with nothing started or claimed. */
import { services } from '../compositionRoot';
import { json } from '../http/routeSpec';
import { activationBody, activationPreviewResource } from '../http/schemas/activationSchemas';
import { noQuery, tenantPathParams } from '../http/schemas/common';
import { defineHttp } from './define/defineHttp';

defineHttp({
  name: 'previewActivation',
  method: 'POST',
  route: 'tenants/{tenantId}/activation-previews',
  summary:
    'Preview an activation: how many devices it would recover, in which waves, and which it would skip and why',
  description:
    'Takes the body of `POST …/activations` and answers what that activation would do now, decided as its planning decides: ' +
    'nothing is created, claimed or changed, and no `Idempotency-Key` is needed. ' +
    'A device another activation claims between the preview and the activation is skipped then as `already-active`. ' +
    'The scope is read for at most a few seconds: `complete: false` says the counts are of the devices read by then.',
  tags: ['Disaster recovery'],
  auth: { role: 'DR.Operator' },
  params: tenantPathParams,
  query: noQuery,
  body: activationBody,
  responses: { 200: { description: 'What the activation would do', schema: activationPreviewResource } },
  handler: async ({ params, body }) =>
    json(
      200,
      await services().activationPreview.preview({
        tenantId: params.tenantId,
        scope: body.scope,
        recoverFirst: body.recoverFirst,
      }),
    ),
});
