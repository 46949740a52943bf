/** Request and response schemas of activations, their devices, and a user's disaster-recovery status. */
import { z } from 'zod';
import { recoveryStates } from '../../domain/recoveryTask';
import {
  continuationToken,
  guid,
  pageSize,
  queryInteger,
  regionName,
  withoutHiddenCharacters,
} from './common';
import { deviceId } from './protectionSchemas';

export const activationId = z
  .string()
  .regex(/^act-[0-9a-f]{24}$/, 'must be an activation id (act- and 24 hex digits)');
export const activationPathParams = z.strictObject({ tenantId: guid, activationId });

/** `Idempotency-Key`: letters, digits and `._:-`, so it can be logged and compared as is. */
export const idempotencyKey = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 letters, digits, dots, colons, dashes or underscores');

const tier = z.number().int().min(1).max(10);

export const activationScope = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('region'), region: regionName }),
  z.strictObject({
    kind: z.literal('devices'),
    deviceIds: z
      .array(deviceId)
      .min(1)
      .max(50_000, 'at most 50,000 devices; use a region or tiers scope for more')
      .refine((ids) => new Set(ids).size === ids.length, 'must not repeat a device'),
  }),
  z.strictObject({
    kind: z.literal('tiers'),
    tiers: z
      .array(tier)
      .min(1)
      .max(10)
      .refine((tiers) => new Set(tiers).size === tiers.length, 'must not repeat a tier'),
    region: regionName.optional(),
  }),
]);

export const activationBody = z.strictObject({
  scope: activationScope,
  recoverFirst: z
    .array(deviceId)
    .max(1_000, 'at most 1,000 devices to recover first')
    .refine((ids) => new Set(ids).size === ids.length, 'must not repeat a device')
    .default([]),
  waveDeadlineMinutes: z.number().int().min(1).max(1_440).default(60),
});

const counts = z.object(Object.fromEntries(recoveryStates.map((s) => [s, z.number().int()])));

export const activationResource = z.object({
  id: activationId,
  tenantId: guid,
  idempotencyKey: z.string(),
  scope: activationScope,
  recoverFirst: z.array(z.string()),
  waveDeadlineMinutes: z.number().int(),
  state: z.enum(['planning', 'recovering', 'completed', 'cancelled', 'deactivating', 'deactivated']),
  requestedBy: z.string(),
  requestedAt: z.iso.datetime(),
  plannedAt: z.iso.datetime().optional(),
  lastRecoveredAt: z.iso.datetime().optional(),
  completedAt: z.iso.datetime().optional(),
  cancelledAt: z.iso.datetime().optional(),
  deactivationRequestedBy: z.string().optional(),
  deactivationRequestedAt: z.iso.datetime().optional(),
  deactivatedAt: z.iso.datetime().optional(),
  owner: z.object({ region: z.string(), epoch: z.number().int(), leaseUntil: z.iso.datetime() }),
  statusUrl: z.string(),
});

export const activationReportResource = activationResource.extend({
  total: z.number().int(),
  counts,
  percentComplete: z.number(),
  waveProgress: z.array(
    z.object({
      wave: z.number().int(),
      label: z.string(),
      total: z.number().int(),
      counts,
      percentComplete: z.number(),
      startedAt: z.iso.datetime().optional(),
      deadlineAt: z.iso.datetime().optional(),
      endedAt: z.iso.datetime().optional(),
      outcome: z.enum(['done', 'deadline', 'cancelled']).optional(),
    }),
  ),
  rtoSeconds: z.number().optional(),
  etaSeconds: z.number().optional(),
});

export const activationListQuery = z.strictObject({
  pageSize,
  continuationToken: continuationToken.optional(),
});

export const activationDevicesQuery = z.strictObject({
  state: z.enum(recoveryStates as [string, ...string[]]).optional(),
  wave: queryInteger(0, 10).optional(),
  pageSize,
  continuationToken: continuationToken.optional(),
});

export const recoveryRow = z.object({
  deviceId: z.string(),
  upn: z.string(),
  primaryRegion: z.string(),
  backupRegion: z.string(),
  priorityTier: z.number().int(),
  wave: z.number().int(),
  state: z.enum(recoveryStates as [string, ...string[]]),
  skipReason: z
    .enum(['unlicensed', 'disk-not-in-scopes', 'no-verified-restore-point', 'already-active', 'not-found'])
    .optional(),
  reason: z.string().optional(),
  attempts: z.number().int(),
  restorePoint: z.string().optional(),
  restorePointTakenAt: z.iso.datetime().optional(),
  achievedRpoMinutes: z
    .number()
    .int()
    .optional()
    .describe('Age of the restore point used when the activation was requested'),
  temporaryDevice: z.string().optional(),
  temporaryDeviceRegion: z.string().optional(),
  dispatchedAt: z.iso.datetime().optional(),
  recoveredAt: z.iso.datetime().optional(),
  timeToRecoverSeconds: z
    .number()
    .optional()
    .describe('From the activation request to this device recovered'),
  releasedAt: z.iso.datetime().optional(),
});

export const upnPathParams = z.strictObject({
  upn: withoutHiddenCharacters(
    z
      .string()
      .min(3)
      .max(256)
      .regex(/^[^@\s/]+@[^@\s/]+$/, 'must be a user principal name such as ada@contoso.com'),
  ),
});

const userDrState = z.enum(['normal', 'recovering', 'on-temporary-device', 'not-recovered']);

export const userDrStatusResource = z.object({
  upn: z.string(),
  status: userDrState,
  message: z.string(),
  devices: z.array(
    z.object({
      deviceId: z.string(),
      status: userDrState,
      primaryRegion: z.string(),
      activationId: z.string().optional(),
      region: z.string().optional(),
      temporaryDevice: z.string().optional(),
      connection: z
        .object({ hostPoolId: z.string(), sessionHost: z.string() })
        .optional()
        .describe(
          'Where to connect: the DR host pool and its session host assigned to the user (Azure compute with a host pool)',
        ),
      since: z.iso.datetime().optional(),
      reason: z
        .string()
        .optional()
        .describe(
          "While not-recovered: `skipped: {skipReason}` (as the activation's device rows give it), `failed`, `cancelled`, or `not-targeted` (in no activation of its region)",
        ),
    }),
  ),
});

const skipReason = z.enum([
  'unlicensed',
  'disk-not-in-scopes',
  'no-verified-restore-point',
  'already-active',
  'not-found',
]);

/** What an activation with the same body would do: `POST …/activation-previews`. */
export const activationPreviewResource = z.object({
  complete: z
    .boolean()
    .describe(
      'False when the scope was not read to its end within the request’s time: the counts are of the devices read',
    ),
  total: z.number().int().describe('Devices the activation would target: the first list and the scope'),
  toRecover: z.number().int(),
  skipped: z
    .partialRecord(skipReason, z.number().int())
    .describe('Devices that would be skipped, per reason'),
  waves: z.array(z.object({ wave: z.number().int(), label: z.string(), devices: z.number().int() })),
  skippedDevices: z
    .array(z.object({ deviceId: z.string(), reason: skipReason }))
    .describe('The first 100 skipped devices, in planning order'),
  skippedDevicesNotListed: z.number().int().describe('Skipped devices beyond those listed'),
});
