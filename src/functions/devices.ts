/** A tenant's devices: register one, import many, read, list, change, remove. */
import { z } from 'zod';
import { services } from '../compositionRoot';
import { deviceStatus, type Device } from '../domain/device';
import type { ComplianceStatus } from '../domain/rpo';
import { decodeContinuationToken, encodeContinuationToken } from '../http/continuationToken';
import { badRequest, type FieldError } from '../http/problem';
import { etagHeader, json } from '../http/routeSpec';
import { noQuery, tenantPathParams } from '../http/schemas/common';
import {
  deviceBody,
  deviceListQuery,
  devicePathParams,
  deviceResource,
  importBody,
  importRow,
} from '../http/schemas/protectionSchemas';
import type { ImportRow } from '../app/DeviceService';
import { defineHttp } from './define/defineHttp';

defineHttp({
  name: 'listDevices',
  method: 'GET',
  route: 'tenants/{tenantId}/devices',
  summary: "List a tenant's devices, filtered and paged",
  tags: ['Devices'],
  auth: { role: 'DR.Reader' },
  params: tenantPathParams,
  query: deviceListQuery,
  responses: {
    200: {
      description: 'One page; pass continuationToken back for the next',
      schema: z.object({ items: z.array(deviceResource), continuationToken: z.string().optional() }),
    },
  },
  handler: async ({ params, query }) => {
    const { pageSize, continuationToken, status, ...filter } = query;
    const page = await services().devices.list(
      params.tenantId,
      { ...filter, ...(status ? { status: status as ComplianceStatus } : {}) },
      { pageSize, continuationToken: decodeContinuationToken(continuationToken) },
    );
    const now = services().clock.now();
    return json(200, {
      items: page.items.map((d) => present(d, now)),
      continuationToken: encodeContinuationToken(page.continuationToken),
    });
  },
});

defineHttp({
  name: 'getDevice',
  method: 'GET',
  route: 'tenants/{tenantId}/devices/{deviceId}',
  summary: 'Read a device and its protection status',
  tags: ['Devices'],
  auth: { role: 'DR.Reader' },
  params: devicePathParams,
  query: noQuery,
  responses: { 200: { description: 'The device; its ETag guards updates', schema: deviceResource } },
  handler: async ({ params }) => {
    const device = await services().devices.get(params.tenantId, params.deviceId);
    return json(200, present(device, services().clock.now()), etagHeader(device));
  },
});

defineHttp({
  name: 'putDevice',
  method: 'PUT',
  route: 'tenants/{tenantId}/devices/{deviceId}',
  summary: 'Register a device, or change its registration',
  description:
    "The disk must exist in the primary region's storage, and the policy's backup region must differ from the primary region. " +
    'A managed disk (`kind: managedDisk`, its ARM id) must be an OS disk in the primary region inside the disk scopes; its facts are read from ARM and recorded. ' +
    "A new device beyond the tenant's licences is stored but not protected (licensed: false).",
  tags: ['Devices'],
  auth: { role: 'DR.Admin' },
  params: devicePathParams,
  query: noQuery,
  body: deviceBody,
  responses: {
    200: { description: 'Changed', schema: deviceResource },
    201: { description: 'Registered', schema: deviceResource },
    412: { description: 'The If-Match ETag is stale' },
  },
  handler: async ({ params, body, headers }) => {
    const { devices, clock } = services();
    const { device, created } = await devices.put(
      params.tenantId,
      params.deviceId,
      body,
      headers.get('if-match') ?? undefined,
    );
    return json(created ? 201 : 200, present(device, clock.now()), etagHeader(device));
  },
});

defineHttp({
  name: 'deleteDevice',
  method: 'DELETE',
  route: 'tenants/{tenantId}/devices/{deviceId}',
  summary: 'Remove a device; its licence is freed and its restore points are left to retention',
  tags: ['Devices'],
  auth: { role: 'DR.Admin' },
  params: devicePathParams,
  query: noQuery,
  responses: { 204: { description: 'Removed' } },
  handler: async ({ params }) => {
    await services().devices.remove(params.tenantId, params.deviceId);
    return { status: 204 };
  },
});

const importResult = z.object({
  index: z.number().int(),
  id: z.string().optional(),
  outcome: z.enum(['created', 'failed']),
  licensed: z.boolean().optional(),
  errors: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
});

defineHttp({
  name: 'importDevices',
  method: 'POST',
  route: 'tenants/{tenantId}/device-imports',
  summary: 'Register up to 10,000 devices in one request, with a result per row',
  description:
    'Each row is a device (its id and the fields of PUT .../devices/{deviceId}). Good rows are saved; each bad row is reported with ' +
    'the field and the reason. Repeated ids refuse the whole request (400) and save nothing.',
  tags: ['Devices'],
  auth: { role: 'DR.Admin' },
  params: tenantPathParams,
  query: noQuery,
  body: importBody,
  maxBodyBytes: 8 * 1024 * 1024,
  responses: {
    200: {
      description: 'Per-row results',
      schema: z.object({
        created: z.number().int(),
        failed: z.number().int(),
        results: z.array(importResult),
      }),
    },
  },
  handler: async ({ params, body }) => {
    const rows: ImportRow[] = [];
    const results: z.infer<typeof importResult>[] = [];
    const firstIndexOfId = new Map<string, number>();
    const duplicates: FieldError[] = [];
    body.devices.forEach((raw, index) => {
      // Ids are checked for repeats whether or not the row is valid: a repeat refuses the import.
      const rawId =
        typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string'
          ? (raw as { id: string }).id
          : undefined;
      if (rawId !== undefined) {
        const first = firstIndexOfId.get(rawId);
        if (first !== undefined) {
          duplicates.push({ field: `body.devices.${index}.id`, reason: `repeats the id of row ${first}` });
          return;
        }
        firstIndexOfId.set(rawId, index);
      }
      const parsed = importRow.safeParse(raw);
      if (!parsed.success) {
        const errors = parsed.error.issues.flatMap((issue) => {
          const path = ['body', 'devices', index, ...issue.path].join('.');
          return issue.code === 'unrecognized_keys'
            ? issue.keys.map((key) => ({ field: `${path}.${key}`, reason: 'is not a known field' }))
            : [{ field: path, reason: issue.message }];
        });
        results.push(
          rawId === undefined
            ? { index, outcome: 'failed', errors }
            : { index, id: rawId, outcome: 'failed', errors },
        );
        return;
      }
      const { id, ...input } = parsed.data;
      rows.push({ index, id, input });
    });
    if (duplicates.length > 0)
      return badRequest('The import repeats device ids; nothing was saved', duplicates);
    results.push(...(await services().devices.import(params.tenantId, rows)));
    results.sort((a, b) => a.index - b.index);
    const created = results.filter((r) => r.outcome === 'created').length;
    return json(200, { created, failed: results.length - created, results });
  },
});

export function present(device: Device, now: Date): z.infer<typeof deviceResource> {
  const status = deviceStatus(device, now);
  return {
    id: device.id,
    upn: device.upn,
    primaryRegion: device.primaryRegion,
    disk:
      device.disk.kind === 'pageBlob'
        ? { kind: 'pageBlob', container: device.disk.container, blob: device.disk.blob }
        : { kind: 'managedDisk', armId: device.disk.armId },
    ...(device.diskFacts ? { diskFacts: device.diskFacts } : {}),
    policyId: device.policyId,
    priorityTier: device.priorityTier,
    licensed: device.licensed,
    backupRegion: device.protection.backupRegion,
    rpoHours: device.protection.rpoHours,
    status,
    nextRestorePointAt: device.nextDueAt,
    ...(device.lastVerifiedAt ? { lastVerifiedAt: device.lastVerifiedAt } : {}),
    ...(device.lastRestorePoint ? { lastRestorePoint: device.lastRestorePoint } : {}),
    ...(device.protectionBlocked ? { protectionBlocked: device.protectionBlocked } : {}),
    createdAt: device.createdAt,
    updatedAt: device.updatedAt,
  };
}
