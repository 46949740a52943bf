import { z } from 'zod';
import { guid, regionName } from './common';

export const tenantBody = z.strictObject({
  name: z.string().trim().min(1).max(256),
  licences: z.number().int().min(0).max(1_000_000),
  allowedBackupRegions: z
    .array(regionName)
    .min(1)
    .max(20)
    .refine((regions) => new Set(regions).size === regions.length, 'must not repeat a region'),
});

export const tenantResource = z.object({
  id: guid,
  name: z.string(),
  licences: z.number().int(),
  allowedBackupRegions: z.array(regionName),
  regionsInOutage: z
    .array(regionName)
    .describe('Primary regions under an activation: scheduling paused, nothing pruned'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
