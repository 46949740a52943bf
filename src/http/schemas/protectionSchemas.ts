/** Request and response schemas of policies, devices, restore points and the compliance report. */
import { z } from 'zod';
import { recoveryBody } from './recoverySchemas';
import { deviceIdPattern } from '../../domain/device';
import { rpoHoursValues, complianceStatuses } from '../../domain/rpo';
import {
  continuationToken,
  armName,
  armResourceId,
  displayText,
  guid,
  pageSize,
  queryInteger,
  regionName,
  withoutHiddenCharacters,
} from './common';

export const policyId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, dots, dashes or underscores');
export const deviceId = z
  .string()
  .regex(
    deviceIdPattern,
    'must be 1-64 letters, digits, dots, dashes or underscores, starting with a letter or digit',
  );

export const policyPathParams = z.strictObject({ tenantId: guid, policyId });
export const devicePathParams = z.strictObject({ tenantId: guid, deviceId });

export const retentionBody = z.strictObject({
  latest: z.number().int().min(1).max(100),
  weekly: z.number().int().min(0).max(52),
  keepLatestManual: z.boolean(),
});

/** How often a managed disk's point also has its content compared (its ARM calls count in the budget). */
export const contentCheckBody = z
  .strictObject({
    sampleEvery: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .describe(
        '1 managed-disk restore point in this many (by tenant, device and slot); 1 compares every point',
      ),
  })
  .describe(
    "How often a managed disk's restore point also has sampled ranges of its content compared with its source, through short-lived read-only SAS of both snapshots (4 ARM calls per compared point). Absent: the deployment's MANAGED_DISK_CONTENT_SAMPLE_EVERY",
  );

export const policyBody = z.strictObject({
  name: displayText(256),
  backupRegion: regionName,
  rpoHours: z
    .number()
    .refine(
      (n) => (rpoHoursValues as readonly number[]).includes(n),
      `must be one of ${rpoHoursValues.join(', ')}`,
    ),
  retention: retentionBody.default({ latest: 10, weekly: 4, keepLatestManual: true }),
  enabled: z.boolean().default(true),
  contentCheck: contentCheckBody.optional(),
  recovery: recoveryBody.optional(),
});

export const policyResource = z.object({
  id: z.string(),
  name: z.string(),
  backupRegion: regionName,
  rpoHours: z.number().int(),
  retention: retentionBody,
  enabled: z.boolean(),
  contentCheck: contentCheckBody.optional(),
  recovery: recoveryBody.optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

/**
 * A blob name that names the blob it reads. A blob's URL is parsed like any URL: `.` and `..`
 * segments are resolved and `\` becomes `/`, so `a/../b.vhd` was stored as the disk while `b.vhd`
 * (another device's disk) was read, and `../../x` left the container and answered 503. Storage
 * also drops a trailing dot of a segment, and refuses control characters and over 254 segments. A
 * lone surrogate cannot be percent-encoded at all: the storage SDK threw and the request answered 503.
 */
export const blobName = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[^\p{Cc}\p{Cs}\\]*$/u, 'must not contain control characters, lone surrogates or backslashes')
  .refine(
    (name) => name.split('/').every((segment) => segment !== '' && !segment.endsWith('.')),
    'must be segments separated by single slashes, none of them empty, `.`, `..` or ending with a dot',
  )
  .refine((name) => name.split('/').length <= 254, 'must have at most 254 segments');

export const containerName = z
  .string()
  .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'must be a blob container name');

/** A managed disk's ARM resource id; ARM compares ids without regard to case. */
export const managedDiskId = armResourceId(
  `Microsoft\\.Compute\\/disks\\/${armName}`,
  '/subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.Compute/disks/{name}',
);

/** A page-blob VHD (the embedded runtime) or a managed OS disk (Azure). */
export const diskBody = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('pageBlob').default('pageBlob'),
    container: containerName,
    blob: blobName,
  }),
  z.strictObject({
    kind: z.literal('managedDisk'),
    armId: managedDiskId.describe("The OS disk's ARM resource id, in the device's primary region"),
  }),
]);

export const deviceBody = z.strictObject({
  upn: withoutHiddenCharacters(
    z
      .string()
      .trim()
      .min(3)
      .max(256)
      .regex(/^[^@\s]+@[^@\s]+$/, 'must be a user principal name such as ada@contoso.com'),
  ),
  primaryRegion: regionName,
  disk: diskBody,
  policyId,
  priorityTier: z.number().int().min(1).max(10).default(5),
});

export const importRow = deviceBody.extend({ id: deviceId });

export const importBody = z.strictObject({
  devices: z.array(z.unknown()).min(1).max(10_000, 'at most 10,000 devices in one import'),
});

export const deviceResource = z.object({
  id: z.string(),
  upn: z.string(),
  primaryRegion: regionName,
  disk: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('pageBlob'), container: z.string(), blob: z.string() }),
    z.object({ kind: z.literal('managedDisk'), armId: z.string() }),
  ]),
  diskFacts: z
    .object({
      sizeGB: z.number(),
      sizeBytes: z.number(),
      securityType: z.string().optional(),
      hyperVGeneration: z.string().optional(),
      diskControllerTypes: z.string().optional(),
      osType: z.string(),
      vm: z.object({ id: z.string(), size: z.string().optional(), zone: z.string().optional() }).optional(),
      zone: z.string().optional(),
      encryption: z.object({ type: z.string().optional(), diskEncryptionSetId: z.string().optional() }),
      networkAccessPolicy: z.string().optional(),
    })
    .optional()
    .describe(
      "A managed disk's facts, read from ARM at registration: what recovery needs with the primary region gone",
    ),
  policyId: z.string(),
  priorityTier: z.number().int(),
  licensed: z.boolean().describe("false: stored but not protected, beyond the tenant's licences"),
  backupRegion: regionName,
  rpoHours: z.number().int(),
  status: z.enum(complianceStatuses as [string, ...string[]]),
  nextRestorePointAt: z.iso.datetime(),
  lastVerifiedAt: z.iso.datetime().optional(),
  lastRestorePoint: z.string().optional(),
  protectionBlocked: z
    .object({ reason: z.enum(['disk-not-in-scopes']), since: z.iso.datetime() })
    .optional()
    .describe(
      "Why no restore point is taken although the device is licensed: its disk is outside the tenant's disk scopes (a platform admin grants them). Cleared by the next point taken",
    ),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const deviceListQuery = z.strictObject({
  policyId: policyId.optional(),
  primaryRegion: regionName.optional(),
  priorityTier: queryInteger(1, 10).optional(),
  status: z.enum(complianceStatuses as [string, ...string[]]).optional(),
  sort: z
    .enum(['deviceId', 'lastVerifiedAt'])
    .default('deviceId')
    .describe(
      '`deviceId` (the default), or `lastVerifiedAt`: never verified first, then the oldest last verified point first. ' +
        'A continuation token continues the order it was issued for',
    ),
  pageSize,
  continuationToken: continuationToken.optional(),
});

export const complianceQuery = deviceListQuery.extend({ format: z.enum(['json', 'csv']).default('json') });

/** A restore point's name as the backup region's storage holds it. */
export const restorePointNameSchema = z
  .string()
  .describe(
    '`{tenantId}/{deviceId}/{inverted time}`, the tenant id lower-case: device ids are unique within a tenant only',
  );

export const restorePointResource = z.object({
  name: restorePointNameSchema,
  region: regionName,
  takenAt: z.iso.datetime(),
  ageMinutes: z.number().int(),
  kind: z.enum(['scheduled', 'manual']),
  verified: z.boolean(),
  sizeBytes: z.number().int(),
});
