/** Disaster-recovery activations: activate, watch progress, list devices, cancel, deactivate. */
import { z } from 'zod';
import type { Activation } from '../domain/activation';
import type { RecoveryState } from '../domain/recoveryTask';
import { services } from '../compositionRoot';
import { RuleViolationError } from '../domain/errors';
import type { Principal } from '../http/auth/principal';
import { decodeContinuationToken, encodeContinuationToken } from '../http/continuationToken';
import { json } from '../http/routeSpec';
import {
  activationBody,
  activationDevicesQuery,
  activationListQuery,
  activationPathParams,
  activationReportResource,
  activationResource,
  idempotencyKey,
  recoveryRow,
} from '../http/schemas/activationSchemas';
import { noQuery, tenantPathParams } from '../http/schemas/common';
import { defineHttp } from './define/defineHttp';
import { orchestrationClient } from './orchestrationClient';

const idempotencyHeader = 'idempotency-key';
/** When a caller watching an activation should look again (`Retry-After`, seconds). */
const pollAfter = { 'retry-after': '5' };

function statusUrl(activation: Pick<Activation, 'tenantId' | 'id'>): string {
  return `/api/tenants/${activation.tenantId}/activations/${activation.id}`;
}

/** The activation as a resource: its own status URL, never the orchestration's. */
function present(activation: Activation): unknown {
  const { version: _version, requestHash: _hash, waves: _waves, updatedAt: _updated, ...rest } = activation;
  return { ...rest, statusUrl: statusUrl(activation) };
}

function actor(principal: Principal | undefined): string {
  return principal?.upn ?? principal?.objectId ?? 'unknown';
}

function accepted(activation: Activation): ReturnType<typeof json> {
  return json(202, present(activation), { location: statusUrl(activation), ...pollAfter });
}

defineHttp(
  {
    name: 'activateRecovery',
    method: 'POST',
    route: 'tenants/{tenantId}/activations',
    summary: 'Activate disaster recovery for a region, a list of devices, or priority tiers',
    description:
      'Requires an `Idempotency-Key` header: the same key returns the same activation (202 again), concurrent requests with one key create one activation, ' +
      'and the key with a different request is refused (409). Devices are recovered in waves: `recoverFirst` in its order, then priority tiers 1 to 10. ' +
      'Devices unlicensed, without a verified restore point, or already held by another activation are reported as skipped with the reason. ' +
      'Poll the `Location` (the activation resource) for progress.',
    tags: ['Disaster recovery'],
    auth: { role: 'DR.Operator' },
    params: tenantPathParams,
    query: noQuery,
    body: activationBody,
    responses: {
      202: {
        description: 'Accepted: the activation, new or the one this key made before',
        schema: activationResource,
      },
      409: { description: 'The idempotency key was used for a different request' },
    },
    handler: async ({ params, body, headers, principal, context }) => {
      const key = idempotencyKey.safeParse(headers.get(idempotencyHeader) ?? undefined);
      if (!key.success) {
        throw new RuleViolationError(
          'invalid-idempotency-key',
          headers.has(idempotencyHeader)
            ? (key.error.issues[0]?.message ?? 'is not valid')
            : 'is required: a key of your choosing that makes retries of this request safe',
          'headers.Idempotency-Key',
        );
      }
      const { activation } = await services().activations.activate(
        {
          tenantId: params.tenantId,
          idempotencyKey: key.data,
          scope: body.scope,
          recoverFirst: body.recoverFirst,
          waveDeadlineMinutes: body.waveDeadlineMinutes,
          requestedBy: actor(principal),
        },
        orchestrationClient(context),
      );
      return accepted(activation);
    },
  },
  { durableClient: true },
);

defineHttp({
  name: 'listActivations',
  method: 'GET',
  route: 'tenants/{tenantId}/activations',
  summary: "A tenant's activations, newest first",
  tags: ['Disaster recovery'],
  auth: { role: 'DR.Reader' },
  params: tenantPathParams,
  query: activationListQuery,
  responses: {
    200: {
      description: 'One page; pass continuationToken back for the next',
      schema: z.object({ items: z.array(activationResource), continuationToken: z.string().optional() }),
    },
  },
  handler: async ({ params, query }) => {
    const page = await services().activations.list(params.tenantId, {
      pageSize: query.pageSize,
      continuationToken: decodeContinuationToken(query.continuationToken),
    });
    return json(200, {
      items: page.items.map(present),
      continuationToken: encodeContinuationToken(page.continuationToken),
    });
  },
});

defineHttp({
  name: 'getActivation',
  method: 'GET',
  route: 'tenants/{tenantId}/activations/{activationId}',
  summary: 'Progress of an activation: counts per device state, waves, RTO and ETA',
  description:
    'Counts come from sharded counters, not a scan: cheap at any fleet size. `rtoSeconds` is the time from the request to the last device recovered once completed, the time elapsed before.',
  tags: ['Disaster recovery'],
  auth: { role: 'DR.Reader' },
  params: activationPathParams,
  query: noQuery,
  responses: { 200: { description: 'The activation and its progress', schema: activationReportResource } },
  handler: async ({ params }) => {
    const report = await services().activations.get(params.tenantId, params.activationId);
    const { version: _version, waves: _waves, updatedAt: _updated, ...rest } = report;
    // While it moves, the status URL says when to look again, as the 202 that named it did.
    const moving =
      report.state === 'planning' || report.state === 'recovering' || report.state === 'deactivating';
    return json(200, { ...rest, statusUrl: statusUrl(report) }, moving ? pollAfter : {});
  },
});

defineHttp({
  name: 'listActivationDevices',
  method: 'GET',
  route: 'tenants/{tenantId}/activations/{activationId}/devices',
  summary: "An activation's devices: state, restore point used, achieved RPO, time to recover",
  tags: ['Disaster recovery'],
  auth: { role: 'DR.Reader' },
  params: activationPathParams,
  query: activationDevicesQuery,
  responses: {
    200: {
      description: 'One page; pass continuationToken back for the next',
      schema: z.object({ items: z.array(recoveryRow), continuationToken: z.string().optional() }),
    },
  },
  handler: async ({ params, query }) => {
    const page = await services().activations.devices(
      params.tenantId,
      params.activationId,
      {
        ...(query.state ? { state: query.state as RecoveryState } : {}),
        ...(query.wave !== undefined ? { wave: query.wave } : {}),
      },
      { pageSize: query.pageSize, continuationToken: decodeContinuationToken(query.continuationToken) },
    );
    return json(200, {
      items: page.items,
      continuationToken: encodeContinuationToken(page.continuationToken),
    });
  },
});

defineHttp({
  name: 'cancelActivation',
  method: 'POST',
  route: 'tenants/{tenantId}/activations/{activationId}/cancel',
  summary: 'Cancel an activation: nothing more is dispatched; devices already recovered stay',
  description:
    'Idempotent. Devices waiting for capacity stop waiting; their restore points are kept. Deactivate to release what was recovered.',
  tags: ['Disaster recovery'],
  auth: { role: 'DR.Operator' },
  params: activationPathParams,
  query: noQuery,
  responses: { 202: { description: 'Cancelled (or already ended)', schema: activationResource } },
  handler: async ({ params, principal }) =>
    accepted(await services().activations.cancel(params.tenantId, params.activationId, actor(principal))),
});

defineHttp(
  {
    name: 'deactivateRecovery',
    method: 'POST',
    route: 'tenants/{tenantId}/activations/{activationId}/deactivate',
    summary: 'Deactivate: delete every temporary device and return users to their primary devices',
    description:
      'Idempotent. Every temporary device of the activation and its disk are deleted: **nothing of what users did on a temporary device is kept**. ' +
      'Safe while devices are still provisioning: a sweeper removes any temporary device that finishes afterwards. Restore points are kept.',
    tags: ['Disaster recovery'],
    auth: { role: 'DR.Operator' },
    params: activationPathParams,
    query: noQuery,
    responses: { 202: { description: 'Deactivating (or already deactivated)', schema: activationResource } },
    handler: async ({ params, principal, context }) =>
      accepted(
        await services().activations.deactivate(
          params.tenantId,
          params.activationId,
          actor(principal),
          orchestrationClient(context),
        ),
      ),
  },
  { durableClient: true },
);
